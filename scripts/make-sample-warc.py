#!/usr/bin/env python3
"""Build samples/warc/crawl.warc.gz from the invented HTML samples (one gzip member per record).

Run from the repository root: python3 scripts/make-sample-warc.py
"""
import gzip, io, uuid, datetime

def record(rtype, uri, payload, content_type):
    head = (
        "WARC/1.0\r\n"
        f"WARC-Type: {rtype}\r\n"
        f"WARC-Target-URI: {uri}\r\n"
        f"WARC-Date: 2025-02-14T09:00:00Z\r\n"
        f"WARC-Record-ID: <urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, uri + rtype)}>\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode()
    return gzip.compress(head + payload + b"\r\n\r\n", mtime=0)

def http_response(body, ctype):
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    return head + body

out = io.BytesIO()
out.write(record("warcinfo", "", b"software: rhetor sample builder\r\n", "application/warc-fields"))
flood = open("samples/html/river-flood.html", "rb").read()
blog = open("samples/html/blog-schools.html", "rb").read()
out.write(record("request", "https://www.northerncourier.example/news/2025/02/14/river-lune-floods",
                 b"GET /news/2025/02/14/river-lune-floods HTTP/1.1\r\nHost: www.northerncourier.example\r\n\r\n",
                 "application/http; msgtype=request"))
out.write(record("response", "https://www.northerncourier.example/news/2025/02/14/river-lune-floods",
                 http_response(flood, "text/html; charset=utf-8"), "application/http; msgtype=response"))
out.write(record("response", "https://commonsense.example/2024/09/03/schools",
                 http_response(blog, "text/html; charset=windows-1252"), "application/http; msgtype=response"))
out.write(record("response", "https://www.northerncourier.example/logo.png",
                 http_response(b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"), "application/http; msgtype=response"))
open("samples/warc/crawl.warc.gz", "wb").write(out.getvalue())

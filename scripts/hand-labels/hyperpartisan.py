# The hyperpartisan article text exactly as the highlight-label test rebuilds it
# (hyperpartisan_text in crates/rhetor-analyzers/tests/highlight_labels.rs).
import re
def unescape(s):
    out=[];rest=s
    while True:
        i=rest.find('&')
        if i<0: break
        out.append(rest[:i]); tail=rest[i:]
        j=tail.find(';')
        if j<0 or j>10:
            out.append('&'); rest=tail[1:]; continue
        ent=tail[1:j]
        m={'amp':'&','lt':'<','gt':'>','quot':'"','apos':"'"}
        c=m.get(ent)
        if c is None:
            try:
                if ent.startswith('#x'): c=chr(int(ent[2:],16))
                elif ent.startswith('#'): c=chr(int(ent[1:]))
            except Exception: c=None
        if c is None:
            out.append('&'); rest=tail[1:]
        else:
            out.append(c); rest=tail[j+1:]
    out.append(rest); return ''.join(out)
def text(xml,id_):
    key='<article id="%s"'%id_
    st=xml.find(key)
    if st<0: return None
    body=xml[st:]; body=body[:body.find('</article>')]
    head=body[:body.find('>')]
    i=head.find('title="')
    title=unescape(head[i+7:].split('"')[0]) if i>=0 else ''
    pars=[]
    for p in body.split('<p>')[1:]:
        p=p.split('</p>')[0]
        t=[];inside=False
        for ch in p:
            if ch=='<': inside=True
            elif ch=='>': inside=False
            elif not inside: t.append(ch)
        pars.append(' '.join(unescape(''.join(t)).split()))
    pars=[p for p in pars if len(p)>40]
    return '%s\n\n%s\n'%(title.strip(),'\n\n'.join(pars))

//! Embeds each line of standard input with the Universal Sentence Encoder multilingual v3 and
//! prints `token ids<TAB>vector` per line (parity checks against the Python package).
//!
//! `cargo run --release -p rhetor-models --example use_embed < lines.txt`
use std::io::BufRead;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = rhetor_models::weights::cache_root()?;
    let dir = rhetor_models::weights::USE_M3.ensure(&root)?;
    let precision = match std::env::var("USE_PRECISION").as_deref() {
        Ok("int8") => rhetor_models::Precision::Int8,
        Ok("auto") => rhetor_models::Precision::Auto,
        _ => rhetor_models::Precision::F32,
    };
    let enc = rhetor_models::use_m3::UseEncoder::load_with(&dir, precision)?;
    if std::env::var_os("USE_BENCH").is_some() {
        let lines: Vec<String> = std::io::stdin().lock().lines().collect::<Result<_, _>>()?;
        let t = std::time::Instant::now();
        let ids: Vec<Vec<u32>> = lines.iter().map(|l| enc.tokenize(l)).collect();
        let tok = t.elapsed();
        let n: usize = ids.iter().map(Vec::len).sum();
        let t = std::time::Instant::now();
        if std::env::var_os("USE_ONE_BY_ONE").is_some() {
            for i in &ids {
                std::hint::black_box(enc.embed_ids(i));
            }
        } else {
            std::hint::black_box(enc.embed_many(&ids));
        }
        let fwd = t.elapsed();
        eprintln!(
            "{} texts, {n} pieces: tokenize {:.1} ms, forward {:.1} ms ({:.1} us per piece)",
            lines.len(),
            tok.as_secs_f64() * 1e3,
            fwd.as_secs_f64() * 1e3,
            fwd.as_secs_f64() * 1e6 / n as f64
        );
        return Ok(());
    }
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let ids = enc.tokenize(&line);
        let v = enc.embed_ids(&ids);
        let ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        let v: Vec<String> = v.iter().map(|x| format!("{x:.6}")).collect();
        println!("{}\t{}", ids.join(" "), v.join(" "));
    }
    Ok(())
}

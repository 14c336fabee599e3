//! The fuzz targets' seed corpora (fuzz/corpus/<target>/) as ordinary tests: every input
//! must keep its target's properties (domain::fuzzing). New finds of `scripts/fuzz.sh` that
//! are worth keeping go into those folders and run here from then on.

fn run_corpus(target: &str, body: fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut inputs = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| body(&data));
        assert!(outcome.is_ok(), "{} breaks {target}", path.display());
        inputs += 1;
    }
    assert!(inputs >= 5, "the {target} corpus has only {inputs} inputs");
}

#[test]
fn token_corpus_keeps_its_properties() {
    run_corpus("token", domain::fuzzing::token);
}

#[test]
fn email_corpus_keeps_its_properties() {
    run_corpus("email", domain::fuzzing::email);
}

#[test]
fn csv_corpus_keeps_its_properties() {
    run_corpus("csv", domain::fuzzing::csv);
}

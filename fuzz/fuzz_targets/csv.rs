#![no_main]
// The property lives in domain::fuzzing::csv, where the seed corpus also runs as a test.
libfuzzer_sys::fuzz_target!(|data: &[u8]| domain::fuzzing::csv(data));

#![no_main]
// The property lives in domain::fuzzing::email, where the seed corpus also runs as a test.
libfuzzer_sys::fuzz_target!(|data: &[u8]| domain::fuzzing::email(data));

pub mod home;
pub mod not_found;
pub mod section;
pub mod set_password;
pub mod sign_in;

pub mod badges;
pub mod form;
pub mod layout;

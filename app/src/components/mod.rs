pub mod badges;
pub mod enhance;
pub mod form;
pub mod invite_list;
pub mod layout;
pub mod server_data;
pub mod time;

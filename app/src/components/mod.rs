pub mod badges;
pub mod form;
pub mod invite_list;
pub mod layout;
pub mod live;

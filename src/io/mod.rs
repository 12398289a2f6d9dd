//! Mission folders in, files out: the contract's formats live here and nowhere else.

mod csv;
mod read;
mod toml_file;
mod write;

pub use csv::parse_table;
pub use read::{read_mission, LoadedMission};
pub use write::{write_atomically, write_mission};

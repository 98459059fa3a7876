pub mod algebra;
pub mod check;
pub mod cli;
pub mod derive;
pub mod language;
pub mod model;
pub mod numeric;
pub mod render;

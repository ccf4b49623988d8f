//! HTML as pjx writes it: the root stamp of a region (with the scanner that finds a template's
//! root element), attribute escaping, and region ids with the selectors that find them.

pub mod region_id;
pub mod stamp;

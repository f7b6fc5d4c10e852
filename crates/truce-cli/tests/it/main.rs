mod batch_match;
mod crash;
mod edge;
mod import;
mod remote;
mod submit;
mod support;
mod trust;

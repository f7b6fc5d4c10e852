mod batch_match;
mod crash;
mod import;
mod submit;
mod support;
mod trust;

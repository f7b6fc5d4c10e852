mod accounts;
mod batch_match;
mod crash;
mod edge;
mod import;
mod submit;
mod support;
mod trust;

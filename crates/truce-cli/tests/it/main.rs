mod batch_match;
mod crash;
mod submit;
mod support;

mod batch_match;
mod crash;

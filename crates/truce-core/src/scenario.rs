//! Scenarios: a list of commands to submit, in order, each as one named account.

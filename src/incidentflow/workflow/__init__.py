"""What each command does, on top of the model: new/next, log, init, list, check, the hook."""

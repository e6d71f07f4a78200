package filestore

// Classify exposes the error classification to the black-box tests, since
// a full disk cannot be produced portably in a test.
var Classify = classify

package httpapi

// ReadAvatarUpload exposes the multipart reading of avatar uploads to the
// fuzz test, which drives it without a server or a database.
var ReadAvatarUpload = readAvatarUpload

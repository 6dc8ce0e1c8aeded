package api

// CheckContract lets the api_test package hold its requests to the
// OpenAPI contract too.
var CheckContract = checkContract

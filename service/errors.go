package service

import (
	"errors"
	"fmt"
)

// Kind classifies an Error so that callers can react to it, and the HTTP
// layer can pick a status, without parsing messages.
type Kind int

// The kinds of failure the server reports. The service raises the first
// five; the others describe how a request reached the server rather than
// what it asked for, and the HTTP layer raises them. They are all listed
// here so that one table, in the HTTP layer, turns every kind into a
// status.
const (
	// Internal is a failure that is not the caller's fault.
	Internal Kind = iota
	// Invalid means the request breaks one of Agora's or this server's rules.
	Invalid
	// Unauthorized means the caller could not be identified.
	Unauthorized
	// Forbidden means the caller is known but may not have what it asked for.
	Forbidden
	// TooManyRequests means the caller has spent its rate limit.
	TooManyRequests
	// NotFound means nothing answers to the name the caller used.
	NotFound
	// MethodNotAllowed means the name is known but not the action.
	MethodNotAllowed
	// TooLarge means the request is larger than the server reads.
	TooLarge
	// UnsupportedMediaType means the request is in a form the server does
	// not read.
	UnsupportedMediaType
	// Unavailable means the server cannot serve for now: it is stopping,
	// or something it depends on is failing.
	Unavailable
	// RequestTimeout means the request did not arrive whole in the time
	// the server waits for it.
	RequestTimeout
)

// Error is the one error type the service returns. Field names the input
// at fault, in the caller's own words, when there is one.
type Error struct {
	Kind    Kind
	Field   string
	Message string
}

// Error names the field at fault, when there is one, before the message.
func (e *Error) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Errorf reports a failure of the given kind, described by the message.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalidf reports that field breaks a rule described by the message.
func Invalidf(field, format string, args ...any) error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the Kind of err, or Internal when err is not an *Error.
func KindOf(err error) Kind {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Kind
	}
	return Internal
}

// Renamed returns err naming its field as names says, for a caller whose
// requests call the service's fields by other names ("expiry" for
// "expire"). Any other error comes back as it is.
func Renamed(err error, names map[string]string) error {
	e, ok := errors.AsType[*Error](err)
	if !ok {
		return err
	}
	name, ok := names[e.Field]
	if !ok {
		return err
	}
	renamed := *e
	renamed.Field = name
	return &renamed
}

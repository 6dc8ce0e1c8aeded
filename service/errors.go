package service

import (
	"errors"
	"fmt"
)

// Kind classifies an Error so that callers can react to it, and the HTTP
// layer can pick a status, without parsing messages.
type Kind int

// The kinds of failure the service reports.
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
)

// Error is the one error type the service returns. Field names the input
// at fault, in the caller's own words, when there is one.
type Error struct {
	Kind    Kind
	Field   string
	Message string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// Invalidf reports that field breaks a rule described by the message.
func Invalidf(field, format string, args ...any) error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the Kind of err, or Internal when err is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

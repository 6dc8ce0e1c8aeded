// Package ratelimit limits how often each client may ask for tokens. It
// uses the generic cell rate algorithm (GCRA): a client may make Burst
// requests at once, then one every Period/Count, and a client that has
// been idle long enough carries no state at all. The limit lives in this
// process (Memory) or, shared by every replica, in Redis (Shared).
package ratelimit

import (
	"cmp"
	"time"
)

// Rate is how many requests a client may make. Count and Period must be
// positive, and Count small enough that Period/Count is not zero.
type Rate struct {
	// Count requests per Period, spread evenly.
	Count  int
	Period time.Duration
	// Burst is how many requests a client may make at once; it refills
	// by one every Period/Count. Zero or less means Count.
	Burst int
}

func (r Rate) burst() int { return cmp.Or(max(r.Burst, 0), r.Count) }

// Result is the answer to one request, with what the RateLimit headers
// tell the client.
type Result struct {
	Allowed bool
	// Limit is how many requests the client may make at once: the burst.
	Limit int
	// Remaining is how many more requests it may make right now.
	Remaining int
	// RetryAfter is, for a refused request, how long until one would be
	// allowed.
	RetryAfter time.Duration
	// ResetAfter is how long until the client's allowance is whole again.
	ResetAfter time.Duration
}

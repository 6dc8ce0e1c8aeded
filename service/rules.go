package service

import (
	"fmt"
	"strconv"
)

// Limits Agora places on the strings a token carries.
const (
	MaxChannelBytes   = 63  // Agora: "less than 64 bytes"
	MaxAccountBytes   = 255 // RTC user account
	MaxRTMUserIDBytes = 64
	MaxChatUserBytes  = 64
)

// agoraPunctuation is the punctuation Agora allows in channel names, user
// accounts and RTM user ids, besides letters, digits and space.
const agoraPunctuation = "!#$%&()+-:;<=.>?@[]^_{}|~,"

// The roles of a user in an APaaS room, as Agora numbers them.
const (
	MinAPaaSRole = 0 // invisible
	APaaSStudent = 2 // the role of a bearer whose role claim does not say publisher
	MaxAPaaSRole = 4 // observer
)

// APaaSRoleRule is the rule of an APaaS room user's role in words.
const APaaSRoleRule = "must be one of Agora's classroom roles: 0 (invisible), 1 (teacher), 2 (student), 3 (assistant) or 4 (observer)"

// ValidAPaaSRole reports whether r is a role Agora defines for a user in
// an APaaS room.
func ValidAPaaSRole(r int64) bool {
	return r >= MinAPaaSRole && r <= MaxAPaaSRole
}

// The rules of those strings in words, for the messages that name them.
var (
	ChannelRule = fmt.Sprintf("must be 1 to %d bytes of %s", MaxChannelBytes, agoraCharsText)
	AccountRule = fmt.Sprintf("must be 1 to %d bytes of %s", MaxAccountBytes, agoraCharsText)
	UserIDRule  = fmt.Sprintf("must be 1 to %d bytes of %s, not starting with a space", MaxRTMUserIDBytes, agoraCharsText)
)

const agoraCharsText = "a-z, A-Z, 0-9, space and " + agoraPunctuation

// agoraChars marks the bytes Agora allows in those strings: a table,
// because every token request checks a few of them byte by byte.
var agoraChars = func() (set [256]bool) {
	for _, c := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 " + agoraPunctuation {
		set[c] = true
	}
	return set
}()

func inAgoraCharset(s string) bool {
	for i := 0; i < len(s); i++ {
		if !agoraChars[s[i]] {
			return false
		}
	}
	return true
}

// ValidChannel reports whether s is a channel name Agora accepts.
func ValidChannel(s string) bool {
	return len(s) >= 1 && len(s) <= MaxChannelBytes && inAgoraCharset(s)
}

// ValidAccount reports whether s is an RTC user account Agora accepts.
func ValidAccount(s string) bool {
	return len(s) >= 1 && len(s) <= MaxAccountBytes && inAgoraCharset(s)
}

// ValidUserID reports whether s is an RTM or Chat user id Agora accepts:
// 1 to 64 bytes of the characters of channel names, not starting with a
// space, as Agora's RTM login requires. That keeps out control bytes,
// invalid UTF-8 and anything else a token would carry as bytes no client
// could log in with. Chat user ids are narrower still (letters, digits,
// "_", "-" and "."), all within this set.
func ValidUserID(s string) bool {
	return len(s) >= 1 && len(s) <= MaxRTMUserIDBytes && inAgoraCharset(s) && s[0] != ' '
}

// ParseUID reads a numeric RTC uid. The empty string and "0" both mean
// "any uid", as Agora defines it; anything that is not a decimal number
// fitting 32 bits unsigned is rejected rather than wrapped around.
func ParseUID(s string) (uint32, bool) {
	if s == "" {
		return 0, true
	}
	// Digits are checked first: ParseUint would allocate an error per account.
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil
}

// UIDAccount is the string an AccessToken2 carries for a numeric uid:
// empty for 0 (any uid), the decimal number otherwise.
func UIDAccount(uid uint32) string {
	if uid == 0 {
		return ""
	}
	return strconv.FormatUint(uint64(uid), 10)
}

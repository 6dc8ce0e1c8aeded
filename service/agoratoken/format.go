// Package agoratoken reads and writes Agora's token formats: the
// AccessToken2 ("007") and the legacy AccessToken ("006"). It knows the
// bytes and the signatures, and nothing of who may be issued what: that
// is the service's business.
package agoratoken

import (
	"fmt"
	"strconv"
	"strings"
)

// The version prefixes that start every token.
const (
	Version007 = "007" // AccessToken2
	Version006 = "006" // the legacy AccessToken
)

// Service types of AccessToken2, as Agora numbers them.
const (
	ServiceRTC   uint16 = 1
	ServiceRTM   uint16 = 2
	ServiceFPA   uint16 = 4
	ServiceChat  uint16 = 5
	ServiceAPaaS uint16 = 7
)

// Privileges, each numbered within its service. A 006 token numbers RTC's
// alike and has RTM login as RTMLogin006.
const (
	RTCJoinChannel  uint16 = 1
	RTCPublishAudio uint16 = 2
	RTCPublishVideo uint16 = 3
	RTCPublishData  uint16 = 4
	RTMLogin        uint16 = 1
	FPALogin        uint16 = 1
	ChatUser        uint16 = 1
	ChatApp         uint16 = 2
	APaaSRoomUser   uint16 = 1
	APaaSUser       uint16 = 2
	APaaSApp        uint16 = 3

	RTMLogin006 uint16 = 1000
)

// Privilege is one privilege and its expiry: in an AccessToken2, seconds
// from the issue time (0: as long as the token); in a 006 token, a Unix
// time (0: until the token's stamp).
type Privilege struct {
	ID     uint16
	Expire uint32
}

// Grant is one service inside an AccessToken2: its privileges in
// ascending order, then the strings that service packs after them
// (channel and uid for RTC, the user id for RTM and Chat, room and user
// for APaaS, none for FPA).
type Grant struct {
	Service    uint16
	Privileges []Privilege
	Fields     []string
	// Role is the APaaS user's role, which APaaS packs after its strings.
	Role int16
}

// fieldNames names, in order, the strings each service packs after its
// privileges; a service missing here is not one Agora defines.
var fieldNames = map[uint16][]string{
	ServiceRTC:   {"channel", "uid"},
	ServiceRTM:   {"user id"},
	ServiceFPA:   {},
	ServiceChat:  {"user id"},
	ServiceAPaaS: {"room uuid", "user uuid"},
}

// serviceNames and privilegeNames spell Agora's numbers for people.
var serviceNames = map[uint16]string{
	ServiceRTC:   "rtc",
	ServiceRTM:   "rtm",
	ServiceFPA:   "fpa",
	ServiceChat:  "chat",
	ServiceAPaaS: "apaas",
}

var privilegeNames = map[uint16]map[uint16]string{
	ServiceRTC: {
		RTCJoinChannel:  "joinChannel",
		RTCPublishAudio: "publishAudio",
		RTCPublishVideo: "publishVideo",
		RTCPublishData:  "publishData",
	},
	ServiceRTM:   {RTMLogin: "login"},
	ServiceFPA:   {FPALogin: "login"},
	ServiceChat:  {ChatUser: "user", ChatApp: "app"},
	ServiceAPaaS: {APaaSRoomUser: "roomUser", APaaSUser: "user", APaaSApp: "app"},
}

// ServiceName is the name people know a service by: rtc, rtm, fpa, chat,
// apaas, or "service" and its number.
func ServiceName(service uint16) string {
	if name, ok := serviceNames[service]; ok {
		return name
	}
	return "service" + strconv.Itoa(int(service))
}

// PrivilegeName is the name people know a privilege of a service by, or
// "privilege" and its number.
func PrivilegeName(service, id uint16) string {
	if name, ok := privilegeNames[service][id]; ok {
		return name
	}
	return "privilege" + strconv.Itoa(int(id))
}

// Error says what is wrong with a text that does not decode as a token.
// Problem reads after the word "token": "has bad zlib: ...".
type Error struct {
	Problem string
}

// Error reads as a sentence about the token.
func (e *Error) Error() string { return "token " + e.Problem }

func malformed(format string, args ...any) error {
	return &Error{Problem: fmt.Sprintf(format, args...)}
}

// ValidCredential reports whether s has the form of an App ID or App
// Certificate: 32 hexadecimal characters.
func ValidCredential(s string) bool {
	return len(s) == 32 && strings.Trim(s, "0123456789abcdefABCDEF") == ""
}

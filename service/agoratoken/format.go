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

// Service types of AccessToken2, as Agora numbers them. RTM2 is the RTM
// login with resource permissions; ConvoAI (Conversational AI agents) and
// STT (real-time speech to text) carry neither privileges nor strings.
const (
	ServiceRTC       uint16 = 1
	ServiceRTM       uint16 = 2
	ServiceStreaming uint16 = 3
	ServiceFPA       uint16 = 4
	ServiceChat      uint16 = 5
	ServiceFCDN      uint16 = 6
	ServiceAPaaS     uint16 = 7
	ServiceRTM2      uint16 = 8
	ServiceConvoAI   uint16 = 9
	ServiceSTT       uint16 = 10
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

	StreamingPublishMixStream uint16 = 1
	StreamingPublishRawStream uint16 = 2
	FCDNPublish               uint16 = 1
	FCDNPlay                  uint16 = 2
	RTM2Login                 uint16 = 1

	RTMLogin006 uint16 = 1000
)

// The kinds of resource an RTM2 grant names, and what it may do with
// them, as Agora numbers them.
const (
	ResourceMessageChannels uint16 = 0
	ResourceStreamChannels  uint16 = 1
	ResourceGroupChannels   uint16 = 2
	ResourceServerGroups    uint16 = 3
	ResourceUsers           uint16 = 4

	PermissionRead  uint16 = 0
	PermissionWrite uint16 = 1
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
// (channel and uid for RTC, channel and account for Streaming and FCDN,
// the user id for RTM, RTM2 and Chat, room and user for APaaS, none for
// FPA, ConvoAI and STT).
type Grant struct {
	Service uint16
	// Role is the APaaS user's role, which APaaS packs after its strings.
	// It sits beside Service, where the struct has room for it: a Grant
	// is allocated with every token.
	Role       int16
	Privileges []Privilege
	Fields     []string
	// Resources are the RTM2 user's resource permissions, which RTM2
	// packs after its user id: in ascending order of kind, then of
	// permission, each pair at most once.
	Resources []Resources
}

// Resources are the names of the resources of one kind on which an RTM2
// grant gives one permission, in the order the grant lists them.
type Resources struct {
	Kind       uint16
	Permission uint16
	Names      []string
}

// fieldNames names, in order, the strings each service packs after its
// privileges; a service missing here is not one Agora defines.
var fieldNames = map[uint16][]string{
	ServiceRTC:       {"channel", "uid"},
	ServiceRTM:       {"user id"},
	ServiceStreaming: {"channel", "account"},
	ServiceFPA:       {},
	ServiceChat:      {"user id"},
	ServiceFCDN:      {"channel", "account"},
	ServiceAPaaS:     {"room uuid", "user uuid"},
	ServiceRTM2:      {"user id"},
	ServiceConvoAI:   {},
	ServiceSTT:       {},
}

// serviceNames and privilegeNames spell Agora's numbers for people.
var serviceNames = map[uint16]string{
	ServiceRTC:       "rtc",
	ServiceRTM:       "rtm",
	ServiceStreaming: "streaming",
	ServiceFPA:       "fpa",
	ServiceChat:      "chat",
	ServiceFCDN:      "fcdn",
	ServiceAPaaS:     "apaas",
	ServiceRTM2:      "rtm2",
	ServiceConvoAI:   "convoai",
	ServiceSTT:       "stt",
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
	ServiceStreaming: {
		StreamingPublishMixStream: "publishMixStream",
		StreamingPublishRawStream: "publishRawStream",
	},
	ServiceFCDN: {FCDNPublish: "publish", FCDNPlay: "play"},
	ServiceRTM2: {RTM2Login: "login"},
}

// resourceNames and permissionNames spell RTM2's numbers as the /v1 API
// does.
var resourceNames = map[uint16]string{
	ResourceMessageChannels: "messageChannels",
	ResourceStreamChannels:  "streamChannels",
	ResourceGroupChannels:   "groupChannels",
	ResourceServerGroups:    "serverGroups",
	ResourceUsers:           "users",
}

var permissionNames = map[uint16]string{PermissionRead: "read", PermissionWrite: "write"}

// ResourceName is the name the /v1 API gives a kind of RTM2 resource,
// or "kind" and its number.
func ResourceName(kind uint16) string {
	if name, ok := resourceNames[kind]; ok {
		return name
	}
	return "kind" + strconv.Itoa(int(kind))
}

// PermissionName is the name the /v1 API gives an RTM2 permission, or
// "permission" and its number.
func PermissionName(permission uint16) string {
	if name, ok := permissionNames[permission]; ok {
		return name
	}
	return "permission" + strconv.Itoa(int(permission))
}

// ServiceName is the name people know a service by: rtc, rtm, streaming,
// fpa, chat, fcdn, apaas, rtm2, convoai, stt, or "service" and its number.
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

package service

import (
	"strconv"
	"time"
)

// RenewLead is how long before a privilege expires Agora's SDKs warn
// that it will ("token privilege will expire"); RenewAt keeps the same lead.
const RenewLead = 30 * time.Second

// Access is one Agora service a token opens: whom it is for, and until
// when each of its privileges lasts. Minting and inspection both report
// services this way, so a client can compare the two.
type Access struct {
	// Service is rtc, rtm, chat, fpa or apaas.
	Service string `json:"service"`
	// Channel is the RTC channel.
	Channel string `json:"channel,omitempty"`
	// UID is the numeric RTC uid; 0 lets any uid join. Nil when the
	// token names a user account instead, or when it is not known.
	UID *uint32 `json:"uid,omitempty"`
	// Account is the RTC user account.
	Account string `json:"account,omitempty"`
	// UserID is the RTM or Chat user.
	UserID string `json:"userId,omitempty"`
	// RoomUUID, UserUUID and Role belong to Agora's APaaS service, which
	// always names all three: empty strings when its grant names no room
	// or no user, and role -1 outside a room.
	RoomUUID *string `json:"roomUuid,omitempty"`
	UserUUID *string `json:"userUuid,omitempty"`
	Role     *int16  `json:"role,omitempty"`
	// Privileges are listed in Agora's numbering order.
	Privileges []PrivilegeExpiry `json:"privileges"`
}

// PrivilegeExpiry is one privilege and the time it lapses.
type PrivilegeExpiry struct {
	Name      string    `json:"name"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// serviceNames and privilegeNames spell Agora's numbers for people.
var serviceNames = map[uint16]string{
	serviceRTC:   "rtc",
	serviceRTM:   "rtm",
	serviceFPA:   "fpa",
	serviceChat:  "chat",
	serviceAPaaS: "apaas",
}

var privilegeNames = map[uint16]map[uint16]string{
	serviceRTC: {
		privJoinChannel:  "joinChannel",
		privPublishAudio: "publishAudio",
		privPublishVideo: "publishVideo",
		privPublishData:  "publishData",
	},
	serviceRTM:   {privRTMLogin: "login"},
	serviceFPA:   {privFPALogin: "login"},
	serviceChat:  {privChatUser: "user", privChatApp: "app"},
	serviceAPaaS: {privAPaaSRoomUser: "roomUser", privAPaaSUser: "user", privAPaaSApp: "app"},
}

func serviceName(service uint16) string {
	if name, ok := serviceNames[service]; ok {
		return name
	}
	return "service" + strconv.Itoa(int(service))
}

func privilegeName(service, id uint16) string {
	if name, ok := privilegeNames[service][id]; ok {
		return name
	}
	return "privilege" + strconv.Itoa(int(id))
}

// accessOf describes AccessToken2 grants, whose privilege lifetimes
// count from the issue time.
func accessOf(grants []grant, issued, expires time.Time) []Access {
	out := make([]Access, 0, len(grants))
	for _, g := range grants {
		out = append(out, g.access(issued, expires))
	}
	return out
}

// access describes one grant of a token issued and expiring at the
// times given.
func (g grant) access(issued, expires time.Time) Access {
	a := Access{Service: serviceName(g.service), Privileges: make([]PrivilegeExpiry, 0, len(g.privileges))}
	for _, p := range g.privileges {
		at := after(issued, p.expire)
		if p.expire == 0 {
			// No limit of its own, as Agora's builders grant FPA's login:
			// the privilege lasts as long as the token.
			at = expires
		}
		a.Privileges = append(a.Privileges, PrivilegeExpiry{privilegeName(g.service, p.id), at})
	}
	switch g.service {
	case serviceRTC:
		a.Channel = g.fields[0]
		a.UID, a.Account = splitAccount(g.fields[1])
	case serviceRTM, serviceChat:
		a.UserID = g.fields[0]
	case serviceAPaaS:
		room, user, role := g.fields[0], g.fields[1], g.role
		a.RoomUUID, a.UserUUID, a.Role = &room, &user, &role
	}
	return a
}

// splitAccount tells a numeric uid from a user account: a token carries
// both as text, a uid as its decimal digits and uid 0 as nothing.
func splitAccount(s string) (*uint32, string) {
	if n, ok := ParseUID(s); ok && UIDAccount(n) == s {
		return &n, ""
	}
	return nil, s
}

// after is the time seconds past t, in UTC.
func after(t time.Time, seconds uint32) time.Time {
	return t.Add(time.Duration(seconds) * time.Second).UTC()
}

// renewAt is RenewLead before the first expiry among the token's and its
// privileges', but never before the token was issued.
func renewAt(issued, expires time.Time, services []Access) time.Time {
	first := expires
	for _, s := range services {
		for _, p := range s.Privileges {
			if p.ExpiresAt.Before(first) {
				first = p.ExpiresAt
			}
		}
	}
	renew := first.Add(-RenewLead)
	if renew.Before(issued) {
		return issued
	}
	return renew
}

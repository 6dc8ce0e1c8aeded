package service

import (
	"time"

	"github.com/seed6ab08d10/agora-token-server/service/agoratoken"
)

// RenewLead is how long before a privilege expires Agora's SDKs warn
// that it will ("token privilege will expire"); RenewAt keeps the same lead.
const RenewLead = 30 * time.Second

// Access is one Agora service a token opens: whom it is for, and until
// when each of its privileges lasts. Minting and inspection both report
// services this way, so a client can compare the two.
type Access struct {
	// Service is rtc, rtm, streaming, fpa, chat, fcdn, apaas, rtm2,
	// convoai or stt.
	Service string `json:"service"`
	// Channel is the RTC, Streaming or FCDN channel.
	Channel string `json:"channel,omitempty"`
	// UID is the numeric uid of RTC, Streaming or FCDN; 0 lets any uid
	// in. Nil when the token names a user account instead, or when it is
	// not known.
	UID *uint32 `json:"uid,omitempty"`
	// Account is the user account of RTC, Streaming or FCDN.
	Account string `json:"account,omitempty"`
	// UserID is the RTM, RTM2 or Chat user.
	UserID string `json:"userId,omitempty"`
	// Permissions are an RTM2 user's resource permissions: by kind
	// (messageChannels, streamChannels, groupChannels, serverGroups,
	// users), then by permission (read, write), the names of the
	// resources. A number Agora has not named reads "kind" or
	// "permission" and the number.
	Permissions map[string]map[string][]string `json:"permissions,omitempty"`
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

// accessOf describes AccessToken2 grants, whose privilege lifetimes
// count from the issue time.
func accessOf(grants []agoratoken.Grant, issued, expires time.Time) []Access {
	out := make([]Access, 0, len(grants))
	for _, g := range grants {
		a := Access{Service: agoratoken.ServiceName(g.Service), Privileges: make([]PrivilegeExpiry, 0, len(g.Privileges))}
		for _, p := range g.Privileges {
			at := after(issued, p.Expire)
			if p.Expire == 0 {
				// No limit of its own, as Agora's builders grant FPA's
				// login: the privilege lasts as long as the token.
				at = expires
			}
			a.Privileges = append(a.Privileges, PrivilegeExpiry{agoratoken.PrivilegeName(g.Service, p.ID), at})
		}
		switch g.Service {
		case agoratoken.ServiceRTC, agoratoken.ServiceStreaming, agoratoken.ServiceFCDN:
			a.Channel = g.Fields[0]
			a.UID, a.Account = splitAccount(g.Fields[1])
		case agoratoken.ServiceRTM, agoratoken.ServiceChat:
			a.UserID = g.Fields[0]
		case agoratoken.ServiceRTM2:
			a.UserID = g.Fields[0]
			a.Permissions = permissionsOf(g.Resources)
		case agoratoken.ServiceAPaaS:
			room, user, role := g.Fields[0], g.Fields[1], g.Role
			a.RoomUUID, a.UserUUID, a.Role = &room, &user, &role
		}
		out = append(out, a)
	}
	return out
}

// permissionsOf describes an RTM2 grant's resources: an empty map, left
// out of the JSON, when it names none.
func permissionsOf(rs []agoratoken.Resources) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, r := range rs {
		kind := agoratoken.ResourceName(r.Kind)
		if out[kind] == nil {
			out[kind] = map[string][]string{}
		}
		out[kind][agoratoken.PermissionName(r.Permission)] = r.Names
	}
	return out
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

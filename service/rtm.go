package service

import (
	"slices"

	"github.com/seed6ab08d10/agora-token-server/service/agoratoken"
)

// RTMPermissions are the resources an RTM user may read or write, by
// kind, as Agora's RtmTokenBuilder.buildTokenWithPermissions grants them.
// Agora enforces them only in projects where it has enabled resource
// permissions on request; elsewhere the token logs in as any RTM token.
type RTMPermissions struct {
	MessageChannels *RTMResources
	StreamChannels  *RTMResources
	GroupChannels   *RTMResources
	ServerGroups    *RTMResources
	Users           *RTMResources
}

// RTMResources names the resources of one kind that may be read and
// written. An empty list grants nothing and is left out of the token.
type RTMResources struct {
	Read  []string `json:"read"`
	Write []string `json:"write"`
}

// MaxRTMResourceNames bounds the names one token's permissions list in
// all, so that the token stays within what inspection reads
// (MaxTokenChars) and a client sends in a header.
const MaxRTMResourceNames = 32

// rtmKind is one kind of RTMPermissions: its number, its name in the
// API, where p keeps its resources, and the rule its names follow: that
// of user ids for users, of channel names for the others.
type rtmKind struct {
	kind  uint16
	name  string
	slot  **RTMResources
	users bool
}

// kinds lists the kinds of p in Agora's order: the one list of them.
func (p *RTMPermissions) kinds() []rtmKind {
	return []rtmKind{
		{agoratoken.ResourceMessageChannels, "messageChannels", &p.MessageChannels, false},
		{agoratoken.ResourceStreamChannels, "streamChannels", &p.StreamChannels, false},
		{agoratoken.ResourceGroupChannels, "groupChannels", &p.GroupChannels, false},
		{agoratoken.ResourceServerGroups, "serverGroups", &p.ServerGroups, false},
		{agoratoken.ResourceUsers, "users", &p.Users, true},
	}
}

// RTMResourceKinds names the kinds of RTMPermissions as the API does.
func RTMResourceKinds() []string {
	var names []string
	for _, k := range new(RTMPermissions).kinds() {
		names = append(names, k.name)
	}
	return names
}

// Add lists name among the resources of kind, named as the API names
// it, that may be written (write) or read. It reports false for a kind
// that is none of RTMResourceKinds; the name is checked when the token
// is signed.
func (p *RTMPermissions) Add(kind string, write bool, name string) bool {
	for _, k := range p.kinds() {
		if k.name != kind {
			continue
		}
		if *k.slot == nil {
			*k.slot = new(RTMResources)
		}
		if write {
			(*k.slot).Write = append((*k.slot).Write, name)
		} else {
			(*k.slot).Read = append((*k.slot).Read, name)
		}
		return true
	}
	return false
}

// rtm2Grant is the RTM2 grant of user with permissions p: the login, for
// expire seconds, and the resources p names, each checked by its rule.
func rtm2Grant(user string, p RTMPermissions, expire uint32) (agoratoken.Grant, error) {
	g := agoratoken.Grant{
		Service:    agoratoken.ServiceRTM2,
		Privileges: each(expire, agoratoken.RTM2Login),
		Fields:     []string{user},
	}
	total := 0
	for _, k := range p.kinds() {
		res := *k.slot
		if res == nil {
			continue
		}
		field := "permissions." + k.name
		for _, perm := range []struct {
			id    uint16
			field string
			names []string
		}{
			{agoratoken.PermissionRead, field + ".read", res.Read},
			{agoratoken.PermissionWrite, field + ".write", res.Write},
		} {
			for i, name := range perm.names {
				switch {
				case k.users && !ValidUserID(name):
					return g, Invalidf(perm.field, "lists %q, which is not a user id: %s", name, UserIDRule)
				case !k.users && !ValidChannel(name):
					return g, Invalidf(perm.field, "lists %q, which is not a channel name: %s", name, ChannelRule)
				case slices.Contains(perm.names[:i], name):
					return g, Invalidf(perm.field, "lists %q twice", name)
				}
			}
			if total += len(perm.names); total > MaxRTMResourceNames {
				return g, Invalidf("permissions", "may list %d names in all, or the token grows past what clients carry", MaxRTMResourceNames)
			}
			if len(perm.names) > 0 {
				g.Resources = append(g.Resources, agoratoken.Resources{Kind: k.kind, Permission: perm.id, Names: perm.names})
			}
		}
	}
	return g, nil
}

// channels yields the channels p names, with the field naming each,
// for the policy's channel rules: every kind but users.
func (p *RTMPermissions) channels(yield func(field, channel string) error) error {
	for _, k := range p.kinds() {
		res := *k.slot
		if res == nil || k.users {
			continue
		}
		field := "permissions." + k.name
		for _, list := range []struct {
			field string
			names []string
		}{{field + ".read", res.Read}, {field + ".write", res.Write}} {
			for _, name := range list.names {
				if err := yield(list.field, name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

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

// rtmKind is one kind of RTMPermissions: its number, where p keeps its
// resources, and the rule its names follow: that of user ids for users,
// of channel names for the others. Its name in the API is the one
// agoratoken gives it, which inspection uses too.
type rtmKind struct {
	kind  uint16
	slot  **RTMResources
	users bool
}

func (k rtmKind) name() string { return agoratoken.ResourceName(k.kind) }

// kinds lists the kinds of p in Agora's order: the one list of them.
func (p *RTMPermissions) kinds() []rtmKind {
	return []rtmKind{
		{agoratoken.ResourceMessageChannels, &p.MessageChannels, false},
		{agoratoken.ResourceStreamChannels, &p.StreamChannels, false},
		{agoratoken.ResourceGroupChannels, &p.GroupChannels, false},
		{agoratoken.ResourceServerGroups, &p.ServerGroups, false},
		{agoratoken.ResourceUsers, &p.Users, true},
	}
}

// RTMResourceKinds names the kinds of RTMPermissions as the API does.
func RTMResourceKinds() []string {
	var names []string
	for _, k := range new(RTMPermissions).kinds() {
		names = append(names, k.name())
	}
	return names
}

// Add lists name among the resources of kind, named as the API names
// it, that may be written (write) or read. It reports false for a kind
// that is none of RTMResourceKinds; the name is checked when the token
// is signed.
func (p *RTMPermissions) Add(kind string, write bool, name string) bool {
	for _, k := range p.kinds() {
		if k.name() != kind {
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

// rtmList is one list of RTMPermissions: a kind, a permission, the
// field that names the list, and the names in it.
type rtmList struct {
	kind       rtmKind
	permission uint16
	field      string
	names      []string
}

// lists yields the lists of p that are given, in Agora's order of kinds
// and permissions: the one walk over them.
func (p *RTMPermissions) lists(yield func(rtmList) error) error {
	for _, k := range p.kinds() {
		res := *k.slot
		if res == nil {
			continue
		}
		for _, l := range []struct {
			permission uint16
			names      []string
		}{{agoratoken.PermissionRead, res.Read}, {agoratoken.PermissionWrite, res.Write}} {
			field := "permissions." + k.name() + "." + agoratoken.PermissionName(l.permission)
			if err := yield(rtmList{k, l.permission, field, l.names}); err != nil {
				return err
			}
		}
	}
	return nil
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
	err := p.lists(func(l rtmList) error {
		for i, name := range l.names {
			switch {
			case l.kind.users && !ValidUserID(name):
				return Invalidf(l.field, "lists %q, which is not a user id: %s", name, UserIDRule)
			case !l.kind.users && !ValidChannel(name):
				return Invalidf(l.field, "lists %q, which is not a channel name: %s", name, ChannelRule)
			case slices.Contains(l.names[:i], name):
				return Invalidf(l.field, "lists %q twice", name)
			}
		}
		if total += len(l.names); total > MaxRTMResourceNames {
			return Invalidf("permissions", "may list %d names in all, or the token grows past what clients carry", MaxRTMResourceNames)
		}
		if len(l.names) > 0 {
			g.Resources = append(g.Resources, agoratoken.Resources{Kind: l.kind.kind, Permission: l.permission, Names: l.names})
		}
		return nil
	})
	return g, err
}

// channels yields the channels p names, with the field naming each,
// for the policy's channel rules: every kind but users.
func (p *RTMPermissions) channels(yield func(field, channel string) error) error {
	return p.lists(func(l rtmList) error {
		if l.kind.users {
			return nil
		}
		for _, name := range l.names {
			if err := yield(l.field, name); err != nil {
				return err
			}
		}
		return nil
	})
}

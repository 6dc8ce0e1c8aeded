package agoratoken_test

import (
	"encoding/binary"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/service/agoratoken"
)

// The services Agora added after the Go package this module depends on
// (Streaming, FCDN, RTM2, ConvoAI, STT) have Agora's npm package as their
// reference: it builds the same grants, and reads ours.

// npmServices describes grants as tools/node/agora-oracle.mjs takes them.
func npmServices(grants []agoratoken.Grant) []map[string]any {
	out := make([]map[string]any, 0, len(grants))
	for _, g := range grants {
		privs := map[string]uint32{}
		for _, p := range g.Privileges {
			privs[strconv.Itoa(int(p.ID))] = p.Expire
		}
		s := map[string]any{"type": g.Service, "privileges": privs}
		switch g.Service {
		case agoratoken.ServiceRTC, agoratoken.ServiceStreaming, agoratoken.ServiceFCDN:
			s["channel"], s["account"] = g.Fields[0], g.Fields[1]
		case agoratoken.ServiceRTM, agoratoken.ServiceChat, agoratoken.ServiceRTM2:
			s["userId"] = g.Fields[0]
		case agoratoken.ServiceAPaaS:
			s["roomUuid"], s["userUuid"], s["role"] = g.Fields[0], g.Fields[1], g.Role
		}
		if g.Service == agoratoken.ServiceRTM2 {
			perms := map[string]map[string][]string{}
			for _, r := range g.Resources {
				kind := strconv.Itoa(int(r.Kind))
				if perms[kind] == nil {
					perms[kind] = map[string][]string{}
				}
				perms[kind][strconv.Itoa(int(r.Permission))] = r.Names
			}
			s["permissions"] = perms
		}
		out = append(out, s)
	}
	return out
}

func privs(pairs ...uint32) []agoratoken.Privilege {
	var ps []agoratoken.Privilege
	for i := 0; i < len(pairs); i += 2 {
		ps = append(ps, agoratoken.Privilege{ID: uint16(pairs[i]), Expire: pairs[i+1]})
	}
	return ps
}

var (
	streaming = agoratoken.Grant{Service: agoratoken.ServiceStreaming, Privileges: privs(1, 600, 2, 300), Fields: []string{"live", "42"}}
	fcdn      = agoratoken.Grant{Service: agoratoken.ServiceFCDN, Privileges: privs(1, 0, 2, 60), Fields: []string{"cdn room", "alice"}}
	rtm2      = agoratoken.Grant{Service: agoratoken.ServiceRTM2, Privileges: privs(1, 600), Fields: []string{"bob"}, Resources: []agoratoken.Resources{
		{Kind: agoratoken.ResourceMessageChannels, Permission: agoratoken.PermissionRead, Names: []string{"news", "chat-1"}},
		{Kind: agoratoken.ResourceMessageChannels, Permission: agoratoken.PermissionWrite, Names: []string{"chat-1"}},
		{Kind: agoratoken.ResourceStreamChannels, Permission: agoratoken.PermissionWrite, Names: []string{"stage"}},
		{Kind: agoratoken.ResourceUsers, Permission: agoratoken.PermissionRead, Names: []string{"carol", "dave"}},
	}}
	convoAI = agoratoken.Grant{Service: agoratoken.ServiceConvoAI, Privileges: []agoratoken.Privilege{}, Fields: []string{}}
	stt     = agoratoken.Grant{Service: agoratoken.ServiceSTT, Privileges: []agoratoken.Privilege{}, Fields: []string{}}
)

func newerCases() []struct {
	name   string
	grants []agoratoken.Grant
} {
	return []struct {
		name   string
		grants []agoratoken.Grant
	}{
		{"streaming", []agoratoken.Grant{streaming}},
		{"fcdn", []agoratoken.Grant{fcdn}},
		{"rtm2 with permissions", []agoratoken.Grant{rtm2}},
		{"rtm2 without permissions", []agoratoken.Grant{{Service: agoratoken.ServiceRTM2, Privileges: privs(1, 60), Fields: []string{"u"}}}},
		{"convoai", []agoratoken.Grant{convoAI}},
		{"stt", []agoratoken.Grant{stt}},
		{"all ten", []agoratoken.Grant{
			{Service: agoratoken.ServiceRTC, Privileges: privs(1, 600, 2, 600, 3, 600, 4, 600), Fields: []string{"lobby", "7"}},
			{Service: agoratoken.ServiceRTM, Privileges: privs(1, 600), Fields: []string{"7"}},
			streaming,
			{Service: agoratoken.ServiceFPA, Privileges: privs(1, 0), Fields: []string{}},
			{Service: agoratoken.ServiceChat, Privileges: privs(1, 600), Fields: []string{"7"}},
			fcdn,
			{Service: agoratoken.ServiceAPaaS, Privileges: privs(1, 600), Fields: []string{"room", "7"}, Role: 2},
			rtm2, convoAI, stt,
		}},
	}
}

// service007 is g as the test kit describes a newer service.
func service007(g agoratoken.Grant) testkit.Service007 {
	s := testkit.Service007{Type: g.Service, Privileges: map[uint16]uint32{}}
	for _, p := range g.Privileges {
		s.Privileges[p.ID] = p.Expire
	}
	switch g.Service {
	case agoratoken.ServiceStreaming, agoratoken.ServiceFCDN:
		s.Channel, s.Account = g.Fields[0], g.Fields[1]
	case agoratoken.ServiceRTM2:
		s.UserID, s.Permissions = g.Fields[0], map[uint16]map[uint16][]string{}
		for _, r := range g.Resources {
			if s.Permissions[r.Kind] == nil {
				s.Permissions[r.Kind] = map[uint16][]string{}
			}
			s.Permissions[r.Kind][r.Permission] = r.Names
		}
	}
	return s
}

func TestNewerServicesMatchAgorasNPMPackage(t *testing.T) {
	const issueTs, salt, expire = 1700000000, 12345, 600
	cases := newerCases()
	jobs := make([]testkit.NPMJob, len(cases))
	for i, tt := range cases {
		jobs[i] = testkit.NPMBuild("services", issueTs, salt, testkit.NPMJob{"expire": expire, "services": npmServices(tt.grants)})
	}
	theirs := testkit.NPMTokens(t, jobs...)
	ours := make([]string, len(cases))
	for i, tt := range cases {
		var err error
		if ours[i], err = encode(testkit.AppID, testkit.Certificate, issueTs, salt, expire, tt.grants); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
	}
	read := testkit.NPMRead(t, ours...)
	readTheirs := testkit.NPMRead(t, theirs...)
	for i, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			// The format fixes the signed bytes under a fixed clock and salt.
			testkit.SamePayload(t, ours[i], theirs[i])
			if !read[i].OK || !read[i].SignatureValid {
				t.Errorf("Agora's npm package reads ours: ok %v, signature valid %v", read[i].OK, read[i].SignatureValid)
			}
			if !reflect.DeepEqual(read[i], readTheirs[i]) {
				t.Errorf("Agora's npm package reads ours otherwise:\n got %+v\nwant %+v", read[i], readTheirs[i])
			}
			if len(read[i].Services) != len(tt.grants) {
				t.Errorf("Agora's npm package reads %d services, want %d", len(read[i].Services), len(tt.grants))
			}

			// Ours decodes what Agora's builds, every field of it.
			d, err := agoratoken.Decode007(theirs[i])
			if err != nil {
				t.Fatal(err)
			}
			if !d.SignedWith(testkit.Certificate) || d.IssueTs != issueTs || d.Salt != salt || d.Expire != expire {
				t.Errorf("header: issued %d salt %d expire %d", d.IssueTs, d.Salt, d.Expire)
			}
			if !reflect.DeepEqual(d.Grants, tt.grants) {
				t.Errorf("Decode007 of Agora's token:\n got %+v\nwant %+v", d.Grants, tt.grants)
			}

			// The test kit reads it as well, past Agora's Go package.
			at := testkit.Verify007(t, ours[i], testkit.AppID, testkit.Certificate)
			var newer int
			for _, g := range tt.grants {
				s, ok := at.NewerService(g.Service)
				if !ok {
					continue
				}
				newer++
				if want := service007(g); !reflect.DeepEqual(s, want) {
					t.Errorf("the test kit reads service %d as %+v, want %+v", g.Service, s, want)
				}
			}
			if newer != len(at.Newer) {
				t.Errorf("the test kit reads %d newer services, the grants have %d", len(at.Newer), newer)
			}
		})
	}
}

// TestDecodeResourcesInAnyOrder reads RTM2 permissions listed out of
// order, which nothing forbids a writer, sorted; and refuses a kind and
// permission listed twice.
func TestDecodeResourcesInAnyOrder(t *testing.T) {
	token := func(kinds ...[]byte) string {
		le := binary.LittleEndian
		str := func(b []byte, s string) []byte { return append(le.AppendUint16(b, uint16(len(s))), s...) }
		c := str(nil, testkit.AppID)
		c = le.AppendUint32(le.AppendUint32(le.AppendUint32(c, 1700000000), 600), 1)
		c = le.AppendUint16(c, 1)                      // one service
		c = le.AppendUint16(c, agoratoken.ServiceRTM2) // no privileges
		c = str(le.AppendUint16(c, 0), "u")
		c = le.AppendUint16(c, uint16(len(kinds)))
		for _, k := range kinds {
			c = append(c, k...)
		}
		payload := str(nil, string(testkit.Sign007(testkit.Certificate, 1700000000, 1, c)))
		return testkit.Pack007(append(payload, c...))
	}
	// kind, one permission, one name
	kind := func(kind, perm uint16, name string) []byte {
		le := binary.LittleEndian
		b := le.AppendUint16(le.AppendUint16(le.AppendUint16(le.AppendUint16(nil, kind), 1), perm), 1)
		return append(le.AppendUint16(b, uint16(len(name))), name...)
	}
	d, err := agoratoken.Decode007(token(kind(4, 0, "x"), kind(0, 1, "y")))
	if err != nil {
		t.Fatal(err)
	}
	want := []agoratoken.Resources{{Kind: 0, Permission: 1, Names: []string{"y"}}, {Kind: 4, Permission: 0, Names: []string{"x"}}}
	if !d.SignedWith(testkit.Certificate) || !reflect.DeepEqual(d.Grants[0].Resources, want) {
		t.Errorf("resources %+v, want %+v", d.Grants[0].Resources, want)
	}
	_, err = agoratoken.Decode007(token(kind(4, 0, "x"), kind(4, 0, "y")))
	if err == nil || !strings.Contains(err.Error(), "lists permission 0 on kind 4 twice") {
		t.Errorf("a pair listed twice: error %v", err)
	}
}

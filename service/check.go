package service

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/seed6ab08d10/agora-token-server/service/agoratoken"
)

// The names of the checks a Diagnosis runs: every Problem's Check is one
// of these, so that clients and tests can branch on it.
const (
	// CheckFormat: the text is not a token (base64, zlib, truncation, an
	// unknown service type).
	CheckFormat = "format"
	// CheckAppID: the token is for another project.
	CheckAppID = "appId"
	// CheckSignature: signed with another certificate, or altered.
	CheckSignature = "signature"
	// CheckExpired: the token, or a privilege the client needs, has expired.
	CheckExpired = "expired"
	// CheckService: the token has no service for what the client does.
	CheckService = "service"
	// CheckChannel: the token is for another channel.
	CheckChannel = "channel"
	// CheckUID: the token is for another uid or user account.
	CheckUID = "uid"
	// CheckPublish: the client publishes without the publish privileges,
	// or after they expire.
	CheckPublish = "publish"
	// CheckRTM: the RTM login is for another user id.
	CheckRTM = "rtm"
)

// Intent is what a client will do with a token. Zero fields say nothing,
// and what they would check is not checked.
type Intent struct {
	// Channel is the RTC channel the client joins.
	Channel string
	// UID is the numeric uid the client joins with (joinChannel), and
	// Account the user account (joinChannelWithUserAccount); one at most.
	UID     *uint32
	Account *string
	// Role is Publisher when the client will publish; Subscriber, or
	// zero, when it will not.
	Role Role
	// RTMUserID is the user id the client logs in to RTM as.
	RTMUserID string
	// At is when the client will use the token; zero means now.
	At time.Time
}

// joinsRTC reports whether the intent says anything of an RTC channel.
func (in Intent) joinsRTC() bool {
	return in.Channel != "" || in.UID != nil || in.Account != nil || in.Role != 0
}

// Problem is one reason Agora will refuse a token for what the client does.
type Problem struct {
	// Check is one of the Check* names.
	Check string `json:"check"`
	// Message says what is wrong, in the client's terms: what the token
	// holds and what the client will send.
	Message string `json:"message"`
	// Fix says what to change.
	Fix string `json:"fix"`
	// SDKErrors are the errors and events Agora documents that its SDKs
	// report for this problem, when it documents any.
	SDKErrors []string `json:"sdkErrors,omitempty"`
}

// Diagnosis is the answer to "will Agora accept this token for what my
// client does?". Its JSON form is the body the /v1 API and the command
// line answer with.
type Diagnosis struct {
	// OK is true when no check found a problem.
	OK bool `json:"ok"`
	// At is the time the token was judged at.
	At       time.Time `json:"at"`
	Problems []Problem `json:"problems"`
	// Inspection is what the token holds, as Inspect describes it, when
	// it can be read; its Expired is judged at At.
	Inspection *Inspection `json:"inspection,omitempty"`
}

// The errors and events Agora documents for each kind of failure.
var (
	sdkInvalid = []string{
		"ERR_INVALID_TOKEN (110)",
		"CONNECTION_CHANGED_INVALID_TOKEN (8)",
		`Web: CAN_NOT_GET_GATEWAY_SERVER "invalid token, authorized failed"`,
	}
	sdkExpired = []string{
		"ERR_TOKEN_EXPIRED (109)",
		"CONNECTION_CHANGED_TOKEN_EXPIRED (9)",
		`Web: CAN_NOT_GET_GATEWAY_SERVER "dynamic key or token timeout"`,
		"Web: token-privilege-did-expire",
		"RTM 2.x: RTM_ERROR_TOKEN_EXPIRED (-10009)",
	}
	sdkRTMInvalid = []string{"RTM 2.x: RTM_ERROR_INVALID_TOKEN (-10005)"}
)

// finding is one kind of problem; findings holds the words of each.
type finding int

const (
	notAToken finding = iota
	otherProject
	otherCertificate
	tokenExpired
	privilegeExpired
	missingService
	otherChannel
	otherChannelSum
	otherUser
	accountNotUID
	uidNotAccount
	otherUserSum
	noPublish
	publishExpired
	otherRTMUser
	otherRTMUserSum
)

// wording is a finding's check name and the templates of its message and
// fix. Both templates index the same arguments explicitly (%[1]s), so that
// each says as much of them as it needs.
type wording struct {
	check, message, fix string
	sdk                 []string
}

var findings = [...]wording{
	notAToken: {CheckFormat,
		"the text is not an Agora token: the token %[1]s",
		"send the token exactly as the server returned it: whole, unquoted, with no spaces or line breaks", nil},
	otherProject: {CheckAppID,
		"the token was minted for App ID %[1]s, which is not this server's project",
		"mint the token with the App ID the client initializes the SDK with, and initialize the SDK with the App ID the token names",
		[]string{"RTM 2.x: RTM_ERROR_INCONSISTENT_APPID (-10016)"}},
	otherCertificate: {CheckSignature,
		"the token names this project's App ID, but its signature is not this project's App Certificate's: it was signed with another certificate, or altered after minting",
		"mint the token again with the project's current App Certificate, and pass it on unchanged",
		append(append([]string{}, sdkInvalid...), sdkRTMInvalid...)},
	tokenExpired: {CheckExpired,
		"the token expired at %[1]s; the client uses it at %[2]s",
		"mint a new token; renew it while the client runs (renewToken) when the SDK warns that it will expire (onTokenPrivilegeWillExpire, Web: token-privilege-will-expire)",
		sdkExpired},
	privilegeExpired: {CheckExpired,
		"the token's %[1]s privilege expired at %[2]s; the client uses it at %[3]s",
		"mint a new token whose %[1]s privilege lasts as long as the client needs it, and renew it when the SDK warns that it will expire",
		sdkExpired},
	missingService: {CheckService,
		"the client will %[1]s, but the token holds no %[2]s (it holds: %[3]s)",
		"mint a token with %[2]s: %[4]s", nil},
	otherChannel: {CheckChannel,
		"the token is for channel %[1]q; the client joins channel %[2]q",
		"join channel %[1]q, or mint the token for channel %[2]q (channel names are case-sensitive)",
		sdkInvalid},
	otherChannelSum: {CheckChannel,
		"the client joins channel %[1]q, but the 006 token's channel checksum is not that name's: it was minted for another channel",
		"mint the token for channel %[1]q, or join the channel it was minted for (channel names are case-sensitive)",
		sdkInvalid},
	otherUser: {CheckUID,
		"the token is for %[1]s; the client joins with %[2]s",
		"join with %[1]s, or mint the token for %[2]s (or for uid 0, which any uid may join with)",
		sdkInvalid},
	accountNotUID: {CheckUID,
		"the token was minted for the user account %[1]q; the client joins with the numeric uid %[2]d",
		"join with the user account %[1]q (joinChannelWithUserAccount; in the Web SDK, pass it as a string uid to join), or mint the token with uid %[2]d",
		sdkInvalid},
	uidNotAccount: {CheckUID,
		"the token was minted for the numeric uid %[1]d; the client joins with the user account %[2]q",
		"join with the numeric uid %[1]d (joinChannel; in the Web SDK, pass it as a number to join), or mint the token with account %[2]q",
		sdkInvalid},
	otherUserSum: {CheckUID,
		"the client joins with %[1]s, but the 006 token's uid checksum is not its: it was minted for another uid or user account",
		"mint the token for %[1]s (or for uid 0, which any uid may join with), or join with the uid or account it was minted for",
		sdkInvalid},
	noPublish: {CheckPublish,
		"the client will publish, but the token grants no publish privilege (a subscriber's token); Agora refuses it where co-host authentication is enabled for the project",
		"mint the token with role publisher, or join as an audience member and do not publish", nil},
	publishExpired: {CheckPublish,
		"the token's %[1]s privilege expired at %[2]s; the client publishes at %[3]s",
		"mint a new publisher token, and renew it when the SDK warns that its privileges will expire (onTokenPrivilegeWillExpire, Web: token-privilege-will-expire)", nil},
	otherRTMUser: {CheckRTM,
		"the token's RTM login is for user id %[1]q; the client logs in as %[2]q",
		"log in to RTM as %[1]q, or mint the token for user id %[2]q (user ids are case-sensitive)",
		sdkRTMInvalid},
	otherRTMUserSum: {CheckRTM,
		"the client logs in to RTM as %[1]q, but the 006 token's user checksum is not that id's: it was minted for another user",
		"mint the token for user id %[1]q, or log in as the user it was minted for",
		sdkRTMInvalid},
}

// problem words the finding with args.
func (f finding) problem(args ...any) Problem {
	w := findings[f]
	return Problem{Check: w.check, Message: fill(w.message, args), Fix: fill(w.fix, args), SDKErrors: w.sdk}
}

// fill puts args into a template that indexes them; a template without
// any is a fixed sentence, which fmt would mark with the unused args.
func fill(template string, args []any) string {
	if !strings.Contains(template, "%[") {
		return template
	}
	return fmt.Sprintf(template, args...)
}

// Check diagnoses a token for what a client will do with it: every reason
// Agora's servers would refuse it, each a Problem. Any text is diagnosed,
// one that is not a token included (CheckFormat); an error is an intent
// that names both a uid and an account, or a fault of the server's own.
func (t *Tokens) Check(token string, in Intent) (Diagnosis, error) {
	if in.UID != nil && in.Account != nil {
		return Diagnosis{}, Invalidf("uid", "give uid or account, not both")
	}
	at := in.At
	if at.IsZero() {
		at = t.opts.Now()
	}
	c := checker{t: t, token: token, in: in, d: Diagnosis{At: at.UTC(), Problems: []Problem{}}}
	if err := c.run(); err != nil {
		return Diagnosis{}, err
	}
	c.d.OK = len(c.d.Problems) == 0
	return c.d, nil
}

// checker runs the checks of one diagnosis in order, adding what it finds.
type checker struct {
	t     *Tokens
	token string
	in    Intent
	d     Diagnosis
	// expired is true when the whole token has expired at d.At, which
	// makes its privileges' expiry moot.
	expired bool
	// legacyRTC and legacyRTM are what the checksums of a 006 token
	// showed, held until their place in the order of the checks.
	legacyRTC, legacyRTM []Problem
}

func (c *checker) add(p Problem) { c.d.Problems = append(c.d.Problems, p) }

// run runs the checks. Its only error is one of Inspect's that is not
// about the token, which Inspect does not have.
func (c *checker) run() error {
	ins, err := c.t.Inspect(c.token, Subject{})
	if bad, ok := errors.AsType[*Error](err); ok {
		c.add(notAToken.problem(bad.Message))
		return nil
	}
	if err != nil {
		return err
	}
	if ins.Version == Version006 {
		ins = c.legacy(ins)
	}
	ins.Expired = !c.d.At.Before(ins.ExpiresAt)
	c.d.Inspection = &ins

	switch ins.Signature {
	case SignatureForeign:
		// The server's own App ID stays out of the answer, as it stays
		// out of every page and error.
		c.add(otherProject.problem(ins.AppID))
	case SignatureInvalid:
		c.add(otherCertificate.problem())
	}
	if ins.Expired {
		c.expired = true
		c.add(tokenExpired.problem(stamp(ins.ExpiresAt), stamp(c.d.At)))
	}
	if c.in.joinsRTC() {
		c.rtc(ins)
	}
	if c.in.RTMUserID != "" {
		c.rtm(ins)
	}
	return nil
}

// rtc checks what joining the channel, and publishing in it, needs.
func (c *checker) rtc(ins Inspection) {
	rtc, join, ok := privilege(ins.Services, "rtc", "joinChannel")
	if !ok {
		c.add(missingService.problem("join an RTC channel", "RTC join privilege", held(ins.Services), "POST /v1/tokens/rtc, which can add an RTM login too"))
		return
	}
	c.live(join)
	if ins.Version == Version007 {
		c.channelAndUser(rtc)
	}
	c.d.Problems = append(c.d.Problems, c.legacyRTC...)
	if c.in.Role != Publisher {
		return
	}
	var publish []PrivilegeExpiry
	for _, p := range rtc.Privileges {
		if strings.HasPrefix(p.Name, "publish") {
			publish = append(publish, p)
		}
	}
	if len(publish) == 0 {
		c.add(noPublish.problem())
		return
	}
	for _, p := range publish {
		if !c.expired && !c.d.At.Before(p.ExpiresAt) {
			c.add(publishExpired.problem(p.Name, stamp(p.ExpiresAt), stamp(c.d.At)))
			return
		}
	}
}

// channelAndUser compares the channel and user an AccessToken2 names with
// those the client joins with. uid 0 in the token lets any user join.
func (c *checker) channelAndUser(rtc Access) {
	if c.in.Channel != "" && c.in.Channel != rtc.Channel {
		c.add(otherChannel.problem(rtc.Channel, c.in.Channel))
	}
	if rtc.UID != nil && *rtc.UID == 0 {
		return
	}
	switch {
	case c.in.UID != nil && rtc.UID != nil && *c.in.UID != *rtc.UID:
		c.add(otherUser.problem(fmt.Sprintf("uid %d", *rtc.UID), fmt.Sprintf("uid %d", *c.in.UID)))
	case c.in.UID != nil && rtc.UID == nil:
		c.add(accountNotUID.problem(rtc.Account, *c.in.UID))
	case c.in.Account != nil && rtc.UID != nil && *c.in.Account != UIDAccount(*rtc.UID):
		// A token holds a uid as its digits, so the account "42" is
		// the uid 42 to Agora's servers.
		c.add(uidNotAccount.problem(*rtc.UID, *c.in.Account))
	case c.in.Account != nil && rtc.UID == nil && *c.in.Account != rtc.Account:
		c.add(otherUser.problem(fmt.Sprintf("the user account %q", rtc.Account), fmt.Sprintf("the user account %q", *c.in.Account)))
	}
}

// rtm checks what logging in to RTM needs.
func (c *checker) rtm(ins Inspection) {
	rtm, login, ok := rtmLogin(ins.Services)
	if !ok {
		c.add(missingService.problem("log in to RTM as "+strconv.Quote(c.in.RTMUserID), "RTM login privilege", held(ins.Services), "POST /v1/tokens/rtm, or POST /v1/tokens/rtc with rtm"))
		return
	}
	c.live(login)
	if ins.Version == Version007 && rtm.UserID != c.in.RTMUserID {
		c.add(otherRTMUser.problem(rtm.UserID, c.in.RTMUserID))
	}
	c.d.Problems = append(c.d.Problems, c.legacyRTM...)
}

// live reports a privilege the client needs that has expired while the
// token has not.
func (c *checker) live(p PrivilegeExpiry) {
	if !c.expired && !c.d.At.Before(p.ExpiresAt) {
		c.add(privilegeExpired.problem(p.Name, stamp(p.ExpiresAt), stamp(c.d.At)))
	}
}

// rtmLogin finds the privilege an RTM login needs: the login of the RTM
// service, or of RTM2, which carries resource permissions besides. It is
// the one place that says which services and privilege those are.
func rtmLogin(services []Access) (Access, PrivilegeExpiry, bool) {
	if s, p, ok := privilege(services, "rtm", "login"); ok {
		return s, p, ok
	}
	return privilege(services, "rtm2", "login")
}

// privilege finds a service's privilege by their names.
func privilege(services []Access, service, name string) (Access, PrivilegeExpiry, bool) {
	for _, s := range services {
		if s.Service != service {
			continue
		}
		for _, p := range s.Privileges {
			if p.Name == name {
				return s, p, true
			}
		}
	}
	return Access{}, PrivilegeExpiry{}, false
}

// held lists a token's services and privileges, as "rtm login".
func held(services []Access) string {
	var out []string
	for _, s := range services {
		names := make([]string, 0, len(s.Privileges))
		for _, p := range s.Privileges {
			names = append(names, p.Name)
		}
		out = append(out, s.Service+" "+strings.Join(names, ", "))
	}
	if out == nil {
		return "no service"
	}
	return strings.Join(out, "; ")
}

// legacy compares what the client sends with the checksums a 006 token
// keeps instead of names and, once all match, inspects the token again
// with them, which verifies its signature and names its channel and user.
func (c *checker) legacy(ins Inspection) Inspection {
	at, err := agoratoken.Decode006(c.token)
	if err != nil {
		return ins // Inspect has read it already: this does not happen
	}
	var who Subject
	known := false
	_, _, joins := privilege(ins.Services, "rtc", "joinChannel")
	_, _, logsIn := rtmLogin(ins.Services)
	switch {
	case c.in.joinsRTC() && joins:
		channelOK := c.in.Channel != ""
		if channelOK {
			if channelOK, _ = at.Names(c.in.Channel, ""); !channelOK {
				c.legacyRTC = append(c.legacyRTC, otherChannelSum.problem(c.in.Channel))
			}
		}
		// uid 0 (nothing) in the token lets any user join.
		_, anyone := at.Names("", "")
		userOK := anyone
		if user, given := c.in.user(); given && !anyone {
			if _, userOK = at.Names("", user); userOK {
				who.Account = user
			} else {
				c.legacyRTC = append(c.legacyRTC, otherUserSum.problem(c.in.userWords()))
			}
		}
		who.Channel = c.in.Channel
		known = channelOK && userOK
	case c.in.RTMUserID != "" && logsIn:
		// Agora's RtmTokenBuilder puts the user where RTC puts the channel.
		if user, none := at.Names(c.in.RTMUserID, ""); user && none {
			who.UserID, known = c.in.RTMUserID, true
		} else {
			c.legacyRTM = append(c.legacyRTM, otherRTMUserSum.problem(c.in.RTMUserID))
		}
	}
	if !known {
		return ins
	}
	if named, err := c.t.Inspect(c.token, who); err == nil {
		return named
	}
	return ins
}

// user is the user the client joins with, as a token holds it: a uid as
// its digits, uid 0 as nothing.
func (in Intent) user() (string, bool) {
	switch {
	case in.UID != nil:
		return UIDAccount(*in.UID), true
	case in.Account != nil:
		return *in.Account, true
	}
	return "", false
}

// userWords names the user the client joins with, for a message.
func (in Intent) userWords() string {
	if in.UID != nil {
		return fmt.Sprintf("uid %d", *in.UID)
	}
	return fmt.Sprintf("the user account %q", *in.Account)
}

// stamp writes a time as messages show it.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

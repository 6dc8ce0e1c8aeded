package service

import (
	"time"

	"github.com/seed6ab08d10/agora-token-server/service/agoratoken"
)

// legacy mints a 006 token as Agora's RtcTokenBuilder and RtmTokenBuilder
// do, with this server's clock and salt. Such a token holds one service,
// and all its privileges end at the same absolute time.
func (t *Tokens) legacy(b Bundle, l lifetimes) (Token, error) {
	switch {
	case b.Chat != nil:
		return Token{}, Invalidf("version", "must be %s for a Chat token", Version007)
	case b.FPA:
		return Token{}, Invalidf("version", "must be %s for an FPA token", Version007)
	case b.APaaS != nil:
		return Token{}, Invalidf("version", "must be %s for an APaaS token", Version007)
	case b.Agent != 0:
		return Token{}, Invalidf("version", "must be %s for an agent's token (ConvoAI, STT)", Version007)
	case b.RTMPermissions != nil:
		return Token{}, Invalidf("permissions", "needs version %s: a %s token has no resource permissions", Version007, Version006)
	case l.rtm != l.token:
		return Token{}, Invalidf("rtm.expire", "needs version %s: in a %s token every privilege has the token's lifetime", Version007, Version006)
	case b.RTC != nil && b.RTMUserID != "":
		return Token{}, Invalidf("rtm", "needs version %s: a %s token carries RTC or RTM, not both", Version007, Version006)
	case b.RTC != nil && b.RTC.Privileges != nil:
		return Token{}, Invalidf("privileges", "needs version %s: in a %s token every privilege has the token's lifetime", Version007, Version006)
	case l.rtc != l.token:
		return Token{}, Invalidf("privilegeExpire", "needs version %s: in a %s token every privilege has the token's lifetime", Version007, Version006)
	}

	issued := t.opts.Now().Truncate(time.Second).UTC()
	expires := after(issued, l.token)
	at := agoratoken.AccessToken{
		AppID: t.appID,
		Stamp: uint32(issued.Unix()) + agoratoken.StampLead006,
		Salt:  t.opts.Salt(),
	}
	var (
		ids              []uint16
		channel, account string
	)
	switch {
	case b.RTC != nil:
		r := *b.RTC
		if err := checkRTC(r); err != nil {
			return Token{}, err
		}
		channel, account = r.Channel, r.Account
		ids = []uint16{agoratoken.RTCJoinChannel}
		if r.Role == Publisher {
			ids = append(ids, agoratoken.RTCPublishAudio, agoratoken.RTCPublishVideo, agoratoken.RTCPublishData)
		}
	case b.RTMUserID != "":
		if !ValidUserID(b.RTMUserID) {
			return Token{}, Invalidf("userId", "%s", UserIDRule)
		}
		// Agora's RtmTokenBuilder puts the user where RTC puts the channel.
		channel = b.RTMUserID
		ids = []uint16{agoratoken.RTMLogin006}
	default:
		return Token{}, Invalidf("", "a token needs at least one service")
	}
	at.Privileges = each(uint32(expires.Unix()), ids...)
	services := legacyAccess(at.Privileges, after(issued, agoratoken.StampLead006), channel, account, true)

	value, err := agoratoken.Encode006(t.certificate, at, channel, account)
	if err != nil {
		return Token{}, err
	}
	t.opts.Observer.TokenIssued(services[0].Service, Version006)
	return newToken(value, Version006, issued, expires, services), nil
}

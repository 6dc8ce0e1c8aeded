package service

import (
	"time"

	"github.com/seed6ab08d10/agora-token-server/service/agoratoken"
)

// legacyPrivileges names the privileges a 006 token can carry and the
// service each belongs to.
var legacyPrivileges = map[uint16]struct{ service, name string }{
	agoratoken.RTCJoinChannel:  {"rtc", "joinChannel"},
	agoratoken.RTCPublishAudio: {"rtc", "publishAudio"},
	agoratoken.RTCPublishVideo: {"rtc", "publishVideo"},
	agoratoken.RTCPublishData:  {"rtc", "publishData"},
	agoratoken.RTMLogin006:     {"rtm", "login"},
}

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
	access := Access{}
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
		access.Service, access.Channel = "rtc", r.Channel
		access.UID, access.Account = splitAccount(r.Account)
	case b.RTMUserID != "":
		if !ValidUserID(b.RTMUserID) {
			return Token{}, Invalidf("userId", "%s", UserIDRule)
		}
		// Agora's RtmTokenBuilder puts the user where RTC puts the channel.
		channel = b.RTMUserID
		ids = []uint16{agoratoken.RTMLogin006}
		access.Service, access.UserID = "rtm", b.RTMUserID
	default:
		return Token{}, Invalidf("", "a token needs at least one service")
	}
	for _, id := range ids {
		at.Privileges = append(at.Privileges, agoratoken.Privilege{ID: id, Expire: uint32(expires.Unix())})
		access.Privileges = append(access.Privileges, PrivilegeExpiry{legacyPrivileges[id].name, expires})
	}

	value, err := agoratoken.Encode006(t.certificate, at, channel, account)
	if err != nil {
		return Token{}, err
	}
	t.opts.Observer.TokenIssued(access.Service, Version006)
	return newToken(value, Version006, issued, expires, []Access{access}), nil
}

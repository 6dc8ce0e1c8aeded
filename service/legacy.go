package service

import (
	"time"

	accesstoken "github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/AccessToken"
)

// legacyStampLead is how far past its issue time Agora's 006 builders
// stamp a token. The stamp is the only time a 006 token carries besides
// its privileges' expiry, so inspection reads the issue time back from it.
const legacyStampLead = 24 * 60 * 60

// legacyRTMLogin is the one 006 privilege of RTM, numbered apart from RTC's.
const legacyRTMLogin uint16 = accesstoken.KLoginRtm

// legacyPrivileges names the privileges a 006 token can carry and the
// service each belongs to.
var legacyPrivileges = map[uint16]struct{ service, name string }{
	accesstoken.KJoinChannel:        {"rtc", "joinChannel"},
	accesstoken.KPublishAudioStream: {"rtc", "publishAudio"},
	accesstoken.KPublishVideoStream: {"rtc", "publishVideo"},
	accesstoken.KPublishDataStream:  {"rtc", "publishData"},
	legacyRTMLogin:                  {"rtm", "login"},
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

	issued := t.now().Truncate(time.Second).UTC()
	expires := after(issued, l.token)
	at := accesstoken.AccessToken{
		AppID:          t.appID,
		AppCertificate: t.certificate,
		Ts:             uint32(issued.Unix()) + legacyStampLead,
		Salt:           t.salt(),
		Message:        map[uint16]uint32{},
	}
	var ids []uint16
	access := Access{}
	switch {
	case b.RTC != nil:
		r := *b.RTC
		if err := checkRTC(r); err != nil {
			return Token{}, err
		}
		at.ChannelName, at.UidStr = r.Channel, r.Account
		ids = []uint16{accesstoken.KJoinChannel}
		if r.Role == Publisher {
			ids = append(ids, accesstoken.KPublishAudioStream, accesstoken.KPublishVideoStream, accesstoken.KPublishDataStream)
		}
		access.Service, access.Channel = "rtc", r.Channel
		access.UID, access.Account = splitAccount(r.Account)
	case b.RTMUserID != "":
		if !ValidUserID(b.RTMUserID) {
			return Token{}, Invalidf("userId", "%s", UserIDRule)
		}
		// Agora's RtmTokenBuilder puts the user where RTC puts the channel.
		at.ChannelName = b.RTMUserID
		ids = []uint16{legacyRTMLogin}
		access.Service, access.UserID = "rtm", b.RTMUserID
	default:
		return Token{}, Invalidf("", "a token needs at least one service")
	}
	for _, id := range ids {
		at.Message[id] = uint32(expires.Unix())
		access.Privileges = append(access.Privileges, PrivilegeExpiry{legacyPrivileges[id].name, expires})
	}

	value, err := at.Build()
	if err != nil {
		return Token{}, err
	}
	t.observer.TokenIssued(access.Service, Version006)
	return newToken(value, Version006, issued, expires, []Access{access}), nil
}

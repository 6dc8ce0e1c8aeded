package service

import (
	"fmt"

	"github.com/AgoraIO/Tools/DynamicKey/AgoraDynamicKey/go/src/accesstoken2"
)

// Service types and privileges of AccessToken2, as Agora numbers them.
const (
	serviceRTC  uint16 = 1
	serviceRTM  uint16 = 2
	serviceChat uint16 = 5

	privJoinChannel  uint16 = 1
	privPublishAudio uint16 = 2
	privPublishVideo uint16 = 3
	privPublishData  uint16 = 4
	privRTMLogin     uint16 = 1
	privChatUser     uint16 = 1
	privChatApp      uint16 = 2
)

// grant is one service inside an AccessToken2: its privileges in
// ascending order, then the strings that service packs after them
// (channel and uid for RTC, the user id for RTM and Chat).
type grant struct {
	service    uint16
	privileges []privilege
	fields     []string
}

type privilege struct {
	id     uint16
	expire uint32
}

// encode007 signs and encodes an AccessToken2.
func encode007(appID, certificate string, issueTs, salt, expire uint32, grants []grant) (string, error) {
	at := &accesstoken2.AccessToken{
		AppId:    appID,
		AppCert:  certificate,
		IssueTs:  issueTs,
		Salt:     salt,
		Expire:   expire,
		Services: make(map[uint16]accesstoken2.IService, len(grants)),
	}
	for _, g := range grants {
		var s accesstoken2.IService
		var base *accesstoken2.Service
		switch g.service {
		case serviceRTC:
			rtc := accesstoken2.NewServiceRtc(g.fields[0], g.fields[1])
			s, base = rtc, rtc.Service
		case serviceRTM:
			rtm := accesstoken2.NewServiceRtm(g.fields[0])
			s, base = rtm, rtm.Service
		case serviceChat:
			chat := accesstoken2.NewServiceChat(g.fields[0])
			s, base = chat, chat.Service
		default:
			return "", fmt.Errorf("service: unknown AccessToken2 service %d", g.service)
		}
		for _, p := range g.privileges {
			base.AddPrivilege(p.id, p.expire)
		}
		at.AddService(s)
	}
	return at.Build()
}

package api

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// The routes of this file keep clients written for the community token
// servers (Agora's Node guide, the Go/Gin agora-token-service) and for
// Agora's reference server working unchanged: same URLs, same JSON keys.

// communityAnswer is the body of the community routes, which name each
// token by its service. A struct, not a gin.H: encoding a map costs a
// sort and reflection on every request.
type communityAnswer struct {
	RTCToken  string `json:"rtcToken,omitempty"`
	RTMToken  string `json:"rtmToken,omitempty"`
	ChatToken string `json:"chatToken,omitempty"`
}

// roleOf is the role s names, or subscriber when s is empty, as the
// community servers default. The request's rules have already limited s
// to the spellings its route takes.
func roleOf(s string) service.Role {
	if s == "" {
		return service.Subscriber
	}
	r, _ := service.RoleOf(s)
	return r
}

// expiryQuery is the lifetime in a query string: "expiry" as in the Node
// guide, or "expireTime", its name in early versions of the Go service.
// Each is taken once at most, and only one of the two: of several values
// one would be dropped without a word.
type expiryQuery struct {
	Expiry     []string `form:"expiry" binding:"max=1"`
	ExpireTime []string `form:"expireTime" binding:"max=1"`
}

// fromQuery reads the lifetime from the query string. A query that does
// not parse is an error: url.Query drops the pairs it cannot read, so
// "?expiry=600;" would quietly become the default lifetime.
func (q *expiryQuery) fromQuery(r *http.Request) error {
	if r.URL.RawQuery == "" {
		return nil // most requests: ParseQuery would make an empty map
	}
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return malformedQuery(r.URL.RawQuery)
	}
	q.Expiry, q.ExpireTime = values["expiry"], values["expireTime"]
	return nil
}

// malformedQuery names the first parameter of query that does not parse,
// by its name as far as the name reads; "query" when even that does not.
func malformedQuery(query string) error {
	const rule = "is not a well-formed query parameter: separate name=value pairs with & (not ;), and write % as %25"
	for pair := range strings.SplitSeq(query, "&") {
		if _, err := url.ParseQuery(pair); err == nil {
			continue
		}
		name, _, _ := strings.Cut(pair, "=")
		name, _, _ = strings.Cut(name, ";")
		if name, err := url.QueryUnescape(name); err == nil && plainName(name) {
			return service.Invalidf(name, "%s", rule)
		}
		break
	}
	return service.Invalidf("query", "%s", rule)
}

// plainName reports whether an error may repeat name from a query as a
// field's name: a short word, nothing a log or a client could misread.
func plainName(name string) bool {
	return name != "" && len(name) <= 64 && !strings.ContainsFunc(name, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("_-.[]", r))
	})
}

// lifetime is the lifetime the query asks for, nil for the default, and
// the name it gives it. Text that is not a whole number reads as 0: it
// breaks the lifetime rule as a number out of range does, and is told so
// in the same words.
func (q expiryQuery) lifetime() (field string, seconds *uint64, err error) {
	field, raw := "expiry", q.Expiry
	switch {
	case len(q.ExpireTime) == 1 && len(q.Expiry) > 0:
		return "", nil, service.Invalidf("expireTime", "is another name for expiry: give one of them")
	case len(q.ExpireTime) == 1:
		field, raw = "expireTime", q.ExpireTime
	case len(q.Expiry) == 0:
		return field, nil, nil
	}
	n, _ := strconv.ParseUint(raw[0], 10, 64)
	return field, &n, nil
}

// issue mints the bundles of a community route, one service each, for the
// lifetime its query asks for, naming that lifetime in errors as the
// query does, and answers with each token under its service's name.
func (h *handlers) issue(ctx context.Context, q expiryQuery, bundles ...service.Bundle) (any, error) {
	field, seconds, err := q.lifetime()
	if err != nil {
		return nil, err
	}
	for i := range bundles {
		bundles[i].Expire = seconds
	}
	tokens, err := h.tokens.Values(ctx, bundles...)
	if err != nil {
		return nil, service.Renamed(err, map[string]string{"expire": field})
	}
	var answer communityAnswer
	for i, b := range bundles {
		switch {
		case b.RTC != nil:
			answer.RTCToken = tokens[i]
		case b.Chat != nil:
			answer.ChatToken = tokens[i]
		default:
			answer.RTMToken = tokens[i]
		}
	}
	return answer, nil
}

// rtcPath is the path of the community RTC routes. Its uid follows the
// rule its tokenType names, which validateRTCPath checks.
type rtcPath struct {
	Channel   string `uri:"channelName" binding:"agora_channel"`
	Role      string `uri:"role" binding:"required,oneof=publisher subscriber audience 1 2"`
	TokenType string `uri:"tokenType" binding:"required,oneof=uid userAccount"`
	UID       string `uri:"uid"`
}

func (p *rtcPath) fromPath(param func(string) string) {
	p.Channel, p.Role, p.TokenType, p.UID = param("channelName"), param("role"), param("tokenType"), param("uid")
}

// rtc turns the path into the service's terms; the uid is already valid.
// A user account stays as it is, even when it is made of digits.
func (p rtcPath) rtc() service.RTC {
	account := p.UID
	if p.TokenType == "uid" {
		account = accountOf(p.UID)
	}
	return service.RTC{Channel: p.Channel, Account: account, Role: roleOf(p.Role)}
}

// accountOf is the RTC user the community servers mean by uid: a whole
// number is a numeric uid, written as the token carries it (0 and the
// empty string as "", any uid), and anything else a user account.
func accountOf(uid string) string {
	if n, ok := service.ParseUID(uid); ok {
		return service.UIDAccount(n)
	}
	return uid
}

type rtcRequest struct {
	rtcPath
	expiryQuery
}

func (h *handlers) handleRTC(c *gin.Context) (any, error) {
	var req rtcRequest
	if err := bindPathAndQuery(c, &req); err != nil {
		return nil, err
	}
	rtc := req.rtc()
	return h.issue(c.Request.Context(), req.expiryQuery, service.Bundle{RTC: &rtc})
}

// userRequest is the path and query of /rtm/:uid and
// /chat/account/:uid, and the query of /chat/app. The uid is required
// where the path has one: the router also matches an empty segment
// (/chat/account//), which must not turn into an app token.
type userRequest struct {
	UID string `uri:"uid" binding:"agora_user_id"`
	expiryQuery
}

func (r *userRequest) fromPath(param func(string) string) { r.UID = param("uid") }

func (h *handlers) handleRTM(c *gin.Context) (any, error) {
	var req userRequest
	if err := bindPathAndQuery(c, &req); err != nil {
		return nil, err
	}
	return h.issue(c.Request.Context(), req.expiryQuery, service.Bundle{RTMUserID: req.UID})
}

// rteRequest is the path and query of /rte. The RTM user is rtmUid, or
// else the RTC user, which must then be able to serve as one.
type rteRequest struct {
	rtcPath
	RTMUID string `uri:"rtmUid" binding:"omitempty,agora_user_id,ne=0"`
	expiryQuery
}

func (r *rteRequest) fromPath(param func(string) string) {
	r.rtcPath.fromPath(param)
	r.RTMUID = param("rtmUid")
}

func (h *handlers) handleRTE(c *gin.Context) (any, error) {
	var req rteRequest
	if err := bindPathAndQuery(c, &req); err != nil {
		return nil, err
	}
	rtc := req.rtc()
	rtmUser := cmp.Or(req.RTMUID, rtc.Account)
	if rtmUser == "" || rtmUser == "0" || !service.ValidUserID(rtmUser) {
		return nil, service.Invalidf("rtmUid", "is required when uid cannot also be the RTM user: uid 0 stands for any user, and an RTM user id %s and not \"0\"", service.UserIDRule)
	}
	return h.issue(c.Request.Context(), req.expiryQuery,
		service.Bundle{RTC: &rtc},
		service.Bundle{RTMUserID: rtmUser})
}

func (h *handlers) handleChatApp(c *gin.Context) (any, error) {
	var req userRequest
	if err := req.fromQuery(c.Request); err != nil {
		return nil, err
	}
	if err := binding.Validator.ValidateStruct(&req.expiryQuery); err != nil {
		return nil, err
	}
	return h.issue(c.Request.Context(), req.expiryQuery, service.Bundle{Chat: chatOf(req.UID)})
}

func (h *handlers) handleChatUser(c *gin.Context) (any, error) {
	var req userRequest
	if err := bindPathAndQuery(c, &req); err != nil {
		return nil, err
	}
	return h.issue(c.Request.Context(), req.expiryQuery, service.Bundle{Chat: chatOf(req.UID)})
}

// chatOf is the Chat grant the older servers mean: a user token for
// userID, or an app token when there is none.
func chatOf(userID string) *service.Chat {
	if userID == "" {
		return &service.Chat{App: true}
	}
	return &service.Chat{UserID: userID, User: true}
}

// getTokenRequest is the body of POST /getToken.
type getTokenRequest struct {
	TokenType string  `json:"tokenType" binding:"required,oneof=rtc rtm chat"`
	Channel   string  `json:"channel"`
	Role      string  `json:"role" binding:"omitempty,oneof=publisher subscriber audience 1 2"`
	UID       flexUID `json:"uid"`
	Expire    *uint64 `json:"expire"`
}

// The fields each tokenType of /getToken needs, with their rules.
type (
	getTokenRTC struct {
		Channel string `json:"channel" binding:"required,agora_channel"`
		UID     string `json:"uid" binding:"required,agora_uid_or_account"`
	}
	getTokenRTM struct {
		UID string `json:"uid" binding:"required,agora_user_id"`
	}
	getTokenChat struct {
		UID string `json:"uid" binding:"omitempty,agora_user_id"` // none: an app token
	}
)

// bundle checks the fields its tokenType needs and says what to sign.
func (r getTokenRequest) bundle() (service.Bundle, error) {
	uid := string(r.UID)
	switch r.TokenType {
	case "rtc":
		rtc := service.RTC{Channel: r.Channel, Account: accountOf(uid), Role: roleOf(r.Role)}
		return service.Bundle{RTC: &rtc}, validate(getTokenRTC{Channel: r.Channel, UID: uid})
	case "rtm":
		return service.Bundle{RTMUserID: uid}, validate(getTokenRTM{UID: uid})
	}
	return service.Bundle{Chat: chatOf(uid)}, validate(getTokenChat{UID: uid})
}

func (h *handlers) handleGetToken(c *gin.Context) (any, error) {
	var req getTokenRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		return nil, err
	}
	b, err := req.bundle()
	if err != nil {
		return nil, err
	}
	b.Expire = req.Expire
	tokens, err := h.tokens.Values(c.Request.Context(), b)
	if err != nil {
		return nil, err
	}
	return gin.H{"token": tokens[0]}, nil
}

// generateRequest is the body of POST /token/generate, as Agora's
// reference server takes it. Lifetimes are seconds from now.
type generateRequest struct {
	ChannelName       string  `json:"channelName"`
	UID               flexUID `json:"uid"`
	TokenExpireTs     *uint64 `json:"tokenExpireTs"`
	PrivilegeExpireTs *uint64 `json:"privilegeExpireTs"`
	ServiceRtc        *struct {
		Enable bool `json:"enable"`
		Role   int  `json:"role"`
	} `json:"serviceRtc"`
	ServiceRtm *struct {
		Enable bool `json:"enable"`
	} `json:"serviceRtm"`
	ServiceFpa *struct {
		Enable bool `json:"enable"`
	} `json:"serviceFpa"`
	ServiceChat  *generateAppService `json:"serviceChat"`
	ServiceApaas *generateAppService `json:"serviceApaas"`
}

// generateAppService is how the reference server asks for Chat and for
// APaaS alike: a user privilege for userUuid, the app privilege, or both.
type generateAppService struct {
	EnableUser bool   `json:"enableUser"`
	EnableApp  bool   `json:"enableApp"`
	UserUUID   string `json:"userUuid"`
}

// The fields /token/generate needs for each service it enables, with
// their rules, named by their paths in the request.
type (
	generateRTC struct {
		ChannelName string `json:"channelName" binding:"required,agora_channel"`
		UID         string `json:"uid" binding:"omitempty,agora_uid_or_account"` // none: any uid
		ServiceRtc  struct {
			Role int `json:"role" binding:"oneof=0 1 2"`
		} `json:"serviceRtc"`
	}
	generateRTM struct {
		UID string `json:"uid" binding:"required,agora_user_id,ne=0"`
	}
	generateChatUser struct {
		ServiceChat generateUser `json:"serviceChat"`
	}
	generateAPaaSUser struct {
		ServiceApaas generateUser `json:"serviceApaas"`
	}
	generateUser struct {
		UserUUID string `json:"userUuid" binding:"agora_user_id"`
	}
)

// bundle checks the fields every enabled service needs and says what to sign.
func (r generateRequest) bundle() (service.Bundle, error) {
	var (
		b       service.Bundle
		parts   []any // the fields each enabled service needs
		enabled bool
		uid     = string(r.UID)
	)
	if r.ServiceRtc != nil && r.ServiceRtc.Enable {
		enabled = true
		var part generateRTC
		part.ChannelName, part.UID, part.ServiceRtc.Role = r.ChannelName, uid, r.ServiceRtc.Role
		parts = append(parts, part)
		b.RTC = &service.RTC{Channel: r.ChannelName, Account: accountOf(uid), Role: roleOf(strconv.Itoa(r.ServiceRtc.Role))}
	}
	if r.ServiceRtm != nil && r.ServiceRtm.Enable {
		enabled = true
		parts = append(parts, generateRTM{UID: uid})
		b.RTMUserID = uid
	}
	if r.ServiceFpa != nil && r.ServiceFpa.Enable {
		enabled = true
		b.FPA = true
	}
	if c := r.ServiceChat; c.enabled() {
		enabled = true
		if c.EnableUser {
			parts = append(parts, generateChatUser{generateUser{c.UserUUID}})
		}
		b.Chat = &service.Chat{UserID: c.user(), User: c.EnableUser, App: c.EnableApp}
	}
	if a := r.ServiceApaas; a.enabled() {
		enabled = true
		if a.EnableUser {
			parts = append(parts, generateAPaaSUser{generateUser{a.UserUUID}})
		}
		b.APaaS = &service.APaaS{UserUUID: a.user(), User: a.EnableUser, App: a.EnableApp}
	}
	if !enabled {
		return b, service.Invalidf("serviceRtc", "must be enabled, or one of serviceRtm, serviceFpa, serviceChat or serviceApaas")
	}
	return b, validate(parts...)
}

func (s *generateAppService) enabled() bool {
	return s != nil && (s.EnableUser || s.EnableApp)
}

// user is the user of the user privilege. The app privilege alone names
// none, whatever userUuid says, as in the reference server.
func (s *generateAppService) user() string {
	if s.EnableUser {
		return s.UserUUID
	}
	return ""
}

func (h *handlers) handleGenerate(c *gin.Context) (any, error) {
	var req generateRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		return nil, err
	}
	b, err := req.bundle()
	if err != nil {
		return nil, err
	}
	b.Expire, b.RTCPrivilegeExpire = req.TokenExpireTs, req.PrivilegeExpireTs
	tokens, err := h.tokens.Values(c.Request.Context(), b)
	if err != nil {
		return nil, service.Renamed(err, map[string]string{"expire": "tokenExpireTs", "privilegeExpire": "privilegeExpireTs"})
	}
	return gin.H{"code": 0, "message": "Success", "data": gin.H{"token": tokens[0]}}, nil
}

// flexUID is a uid in a JSON body: a string, or a whole number that fits
// a uid, because clients of the older servers send uids both ways.
type flexUID string

// UnmarshalJSON takes a string as it is and a number as its digits, and
// refuses any other value by naming the field itself: encoding/json does
// not say which field an unmarshaler's error is about on every Go release.
func (f *flexUID) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexUID(s)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	if _, err := strconv.ParseUint(string(b), 10, 32); err != nil {
		return service.Invalidf("uid", "must be a string or a whole number from 0 to 4294967295")
	}
	*f = flexUID(b)
	return nil
}

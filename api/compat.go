package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// The routes of this file keep clients written for the community token
// servers (Agora's Node guide, the Go/Gin agora-token-service) and for
// Agora's reference server working unchanged: same URLs, same JSON keys.

const (
	tokenTypeUID     = "uid"
	tokenTypeAccount = "userAccount"
)

// roleOf maps every spelling of a role the older servers accepted.
// Validation has already limited s to these.
func roleOf(s string) service.Role {
	switch s {
	case "publisher", "1":
		return service.Publisher
	}
	return service.Subscriber
}

// expiryQuery is the lifetime in a query string: "expiry" as in the Node
// guide, or "expireTime" as in early versions of the Go service.
type expiryQuery struct {
	Expiry     string `form:"expiry"`
	ExpireTime string `form:"expireTime"`
}

func (q expiryQuery) lifetime(t tokenIssuer) (uint32, error) {
	if q.Expiry == "" && q.ExpireTime != "" {
		return t.ParseLifetime("expireTime", q.ExpireTime)
	}
	return t.ParseLifetime("expiry", q.Expiry)
}

type rtcPath struct {
	Channel   string `uri:"channelName" binding:"agora_channel"`
	Role      string `uri:"role" binding:"required,oneof=publisher subscriber audience 1 2"`
	TokenType string `uri:"tokenType" binding:"required,oneof=uid userAccount"`
	UID       string `uri:"uid" binding:"agora_rtc_user=TokenType"`
}

// rtc turns the path into the service's terms; the uid is already valid.
// A user account stays as it is, even when it is made of digits.
func (p rtcPath) rtc() service.RTC {
	account := p.UID
	if p.TokenType == tokenTypeUID {
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

func (h *handlers) handleRTC(c *gin.Context) {
	var req rtcRequest
	if err := bindPathAndQuery(c, &req, &req.expiryQuery); err != nil {
		_ = c.Error(err)
		return
	}
	expire, err := req.lifetime(h.tokens)
	if err != nil {
		_ = c.Error(err)
		return
	}
	if err := h.policy.RTC(c.Request.Context(), req.rtc()); err != nil {
		_ = c.Error(err)
		return
	}
	tok, err := h.tokens.RTCToken(req.rtc(), expire)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"rtcToken": tok.Value})
}

type rtmRequest struct {
	UID string `uri:"uid" binding:"agora_user_id"`
	expiryQuery
}

func (h *handlers) handleRTM(c *gin.Context) {
	var req rtmRequest
	if err := bindPathAndQuery(c, &req, &req.expiryQuery); err != nil {
		_ = c.Error(err)
		return
	}
	expire, err := req.lifetime(h.tokens)
	if err != nil {
		_ = c.Error(err)
		return
	}
	if err := h.policy.RTM(c.Request.Context(), req.UID); err != nil {
		_ = c.Error(err)
		return
	}
	tok, err := h.tokens.RTMToken(req.UID, expire)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"rtmToken": tok.Value})
}

type rteRequest struct {
	rtcPath
	RTMUID string `uri:"rtmUid" binding:"omitempty,agora_user_id"`
	expiryQuery
}

func (h *handlers) handleRTE(c *gin.Context) {
	var req rteRequest
	if err := bindPathAndQuery(c, &req, &req.expiryQuery); err != nil {
		_ = c.Error(err)
		return
	}
	expire, err := req.lifetime(h.tokens)
	if err != nil {
		_ = c.Error(err)
		return
	}
	rtc := req.rtc()
	rtmUser := req.RTMUID
	if rtmUser == "" {
		rtmUser = rtc.Account
	}
	if rtmUser == "" || rtmUser == "0" {
		_ = c.Error(service.Invalidf("rtmUid", "is required when uid is 0: an RTM user id cannot be empty or \"0\""))
		return
	}
	if err := h.policy.Check(c.Request.Context(), service.Bundle{RTC: &rtc, RTMUserID: rtmUser}); err != nil {
		_ = c.Error(err)
		return
	}
	rtcTok, err := h.tokens.RTCToken(rtc, expire)
	if err != nil {
		_ = c.Error(err)
		return
	}
	rtmTok, err := h.tokens.RTMToken(rtmUser, expire)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"rtcToken": rtcTok.Value, "rtmToken": rtmTok.Value})
}

// chatRequest is the query of /chat/app, and with UID the path and query
// of /chat/account/:uid. The uid is required there: the router also
// matches an empty segment (/chat/account//), which must not turn into
// an app token.
type chatRequest struct {
	UID string `uri:"uid" binding:"agora_user_id"`
	expiryQuery
}

// handleChatApp serves /chat/app: an app token.
func (h *handlers) handleChatApp(c *gin.Context) {
	var req chatRequest
	if err := c.ShouldBindQuery(&req.expiryQuery); err != nil {
		_ = c.Error(err)
		return
	}
	h.mintChat(c, req)
}

// handleChatUser serves /chat/account/:uid: a user token.
func (h *handlers) handleChatUser(c *gin.Context) {
	var req chatRequest
	if err := bindPathAndQuery(c, &req, &req.expiryQuery); err != nil {
		_ = c.Error(err)
		return
	}
	h.mintChat(c, req)
}

func (h *handlers) mintChat(c *gin.Context, req chatRequest) {
	expire, err := req.lifetime(h.tokens)
	if err != nil {
		_ = c.Error(err)
		return
	}
	if err := h.policy.Chat(c.Request.Context(), req.UID); err != nil {
		_ = c.Error(err)
		return
	}
	tok, err := h.tokens.ChatToken(req.UID, expire)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"chatToken": tok.Value})
}

// getTokenRequest is the body of POST /getToken.
type getTokenRequest struct {
	TokenType string     `json:"tokenType" binding:"required,oneof=rtc rtm chat"`
	Channel   string     `json:"channel"`
	Role      string     `json:"role" binding:"omitempty,oneof=publisher subscriber audience 1 2"`
	UID       flexString `json:"uid"`
	Expire    *uint64    `json:"expire"`
}

// validateGetToken applies the rules that depend on tokenType.
func validateGetToken(sl validator.StructLevel) {
	req := sl.Current().Interface().(getTokenRequest)
	uid := string(req.UID)
	switch req.TokenType {
	case "rtc":
		requireRule(sl, req.Channel, "channel", "agora_channel", service.ValidChannel)
		requireRule(sl, uid, "uid", "agora_uid_or_account", validUIDOrAccount)
	case "rtm":
		requireRule(sl, uid, "uid", "agora_user_id", service.ValidUserID)
	case "chat":
		if uid != "" && !service.ValidUserID(uid) {
			sl.ReportError(uid, "uid", "uid", "agora_user_id", "")
		}
	}
}

// requireRule reports field as missing when value is empty, or as
// breaking tag when ok rejects it.
func requireRule(sl validator.StructLevel, value, field, tag string, ok func(string) bool) {
	switch {
	case value == "":
		sl.ReportError(value, field, field, "required", "")
	case !ok(value):
		sl.ReportError(value, field, field, tag, "")
	}
}

func (h *handlers) handleGetToken(c *gin.Context) {
	var req getTokenRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		_ = c.Error(err)
		return
	}
	expire, err := h.tokens.Lifetime("expire", req.Expire)
	if err != nil {
		_ = c.Error(err)
		return
	}
	uid := string(req.UID)
	ctx := c.Request.Context()
	var tok service.Token
	switch req.TokenType {
	case "rtc":
		rtc := service.RTC{Channel: req.Channel, Account: accountOf(uid), Role: roleOf(req.Role)}
		if err = h.policy.RTC(ctx, rtc); err == nil {
			tok, err = h.tokens.RTCToken(rtc, expire)
		}
	case "rtm":
		if err = h.policy.RTM(ctx, uid); err == nil {
			tok, err = h.tokens.RTMToken(uid, expire)
		}
	default:
		if err = h.policy.Chat(ctx, uid); err == nil {
			tok, err = h.tokens.ChatToken(uid, expire)
		}
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"token": tok.Value})
}

// generateRequest is the body of POST /token/generate, as Agora's
// reference server takes it. Lifetimes are seconds from now.
type generateRequest struct {
	ChannelName       string     `json:"channelName"`
	UID               flexString `json:"uid"`
	TokenExpireTs     *uint64    `json:"tokenExpireTs"`
	PrivilegeExpireTs *uint64    `json:"privilegeExpireTs"`
	ServiceRtc        *struct {
		Enable bool `json:"enable"`
		Role   int  `json:"role"`
	} `json:"serviceRtc"`
	ServiceRtm *struct {
		Enable bool `json:"enable"`
	} `json:"serviceRtm"`
	ServiceChat *struct {
		EnableUser bool   `json:"enableUser"`
		EnableApp  bool   `json:"enableApp"`
		UserUUID   string `json:"userUuid"`
	} `json:"serviceChat"`
}

func (r generateRequest) rtcEnabled() bool { return r.ServiceRtc != nil && r.ServiceRtc.Enable }
func (r generateRequest) rtmEnabled() bool { return r.ServiceRtm != nil && r.ServiceRtm.Enable }
func (r generateRequest) chatUserEnabled() bool {
	return r.ServiceChat != nil && r.ServiceChat.EnableUser
}
func (r generateRequest) chatAppEnabled() bool {
	return r.ServiceChat != nil && r.ServiceChat.EnableApp
}

func validateGenerate(sl validator.StructLevel) {
	req := sl.Current().Interface().(generateRequest)
	uid := string(req.UID)
	if req.rtcEnabled() {
		if r := req.ServiceRtc.Role; r < 0 || r > int(service.Subscriber) {
			sl.ReportError(r, "serviceRtc.role", "serviceRtc.role", "oneof", "0 1 2")
		}
		requireRule(sl, req.ChannelName, "channelName", "agora_channel", service.ValidChannel)
		if uid != "" && !validUIDOrAccount(uid) {
			sl.ReportError(uid, "uid", "uid", "agora_uid_or_account", "")
		}
	}
	if req.rtmEnabled() && (uid == "" || uid == "0" || !service.ValidUserID(uid)) {
		sl.ReportError(uid, "uid", "uid", "agora_rtm_uid", "")
	}
	if req.chatUserEnabled() && !service.ValidUserID(req.ServiceChat.UserUUID) {
		sl.ReportError(req.ServiceChat.UserUUID, "serviceChat.userUuid", "serviceChat.userUuid", "agora_user_id", "")
	}
	if !req.rtcEnabled() && !req.rtmEnabled() && !req.chatUserEnabled() && !req.chatAppEnabled() {
		sl.ReportError(nil, "serviceRtc", "serviceRtc", "agora_any_service", "")
	}
}

func (h *handlers) handleGenerate(c *gin.Context) {
	var req generateRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		_ = c.Error(err)
		return
	}
	expire, err := h.tokens.Lifetime("tokenExpireTs", req.TokenExpireTs)
	if err != nil {
		_ = c.Error(err)
		return
	}
	privExpire := expire
	if req.PrivilegeExpireTs != nil {
		if privExpire, err = h.tokens.Lifetime("privilegeExpireTs", req.PrivilegeExpireTs); err != nil {
			_ = c.Error(err)
			return
		}
	}
	b := service.Bundle{Expire: expire, PrivilegeExpire: privExpire}
	uid := string(req.UID)
	if req.rtcEnabled() {
		role := service.Subscriber
		if req.ServiceRtc.Role == int(service.Publisher) {
			role = service.Publisher
		}
		b.RTC = &service.RTC{Channel: req.ChannelName, Account: accountOf(uid), Role: role}
	}
	if req.rtmEnabled() {
		b.RTMUserID = uid
	}
	if req.chatUserEnabled() || req.chatAppEnabled() {
		b.Chat = &service.Chat{UserID: req.ServiceChat.UserUUID, User: req.chatUserEnabled(), App: req.chatAppEnabled()}
	}
	if err := h.policy.Check(c.Request.Context(), b); err != nil {
		_ = c.Error(err)
		return
	}
	tok, err := h.tokens.Bundle(b)
	if err != nil {
		_ = c.Error(err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"code": 0, "message": "Success", "data": gin.H{"token": tok.Value}})
}

// flexString takes a JSON string or a whole non-negative number, because
// clients of the older servers send uids both ways.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	if _, err := strconv.ParseUint(string(b), 10, 64); err != nil {
		return &json.UnmarshalTypeError{Value: "number " + string(b), Type: stringType}
	}
	*f = flexString(b)
	return nil
}

var stringType = reflect.TypeOf("")

package api

import (
	"context"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// The /v1 routes are the API recommended for new clients. Their bodies
// are read strictly: a field the API does not know is an error, so that a
// typo ("expiry" for "expire") cannot fall back to a default unnoticed.
// Answers carry every privilege's expiry and the time to renew.

type v1RTCRequest struct {
	Channel    string           `json:"channel" binding:"required,agora_channel"`
	UID        *uint32          `json:"uid"`
	Account    *string          `json:"account" binding:"omitnil,agora_account"`
	Role       string           `json:"role" binding:"required,oneof=publisher subscriber"`
	Expire     *uint64          `json:"expire"`
	Privileges *v1RTCPrivileges `json:"privileges"`
	RTM        *v1RTMLogin      `json:"rtm"`
	Version    string           `json:"version" binding:"omitempty,oneof=007 006"`
}

type v1RTCPrivileges struct {
	JoinChannel  *uint64 `json:"joinChannel"`
	PublishAudio *uint64 `json:"publishAudio"`
	PublishVideo *uint64 `json:"publishVideo"`
	PublishData  *uint64 `json:"publishData"`
}

type v1RTMLogin struct {
	UserID string `json:"userId" binding:"required,agora_user_id"`
}

// validateV1RTC applies the rule that spans fields: exactly one of uid
// and account.
func validateV1RTC(sl validator.StructLevel) {
	req := sl.Current().Interface().(v1RTCRequest)
	if (req.UID == nil) == (req.Account == nil) {
		sl.ReportError(req.UID, "uid", "uid", "agora_uid_xor_account", "")
	}
}

// account is the user as the service takes it: a uid as its decimal
// digits, uid 0 as nothing.
func (r v1RTCRequest) account() string {
	if r.Account != nil {
		return *r.Account
	}
	return service.UIDAccount(*r.UID)
}

func (h *handlers) handleV1RTC(c *gin.Context) (any, error) {
	var req v1RTCRequest
	if err := bindStrictJSON(c, &req); err != nil {
		return nil, err
	}
	rtc := service.RTC{Channel: req.Channel, Account: req.account(), Role: roleOf(req.Role)}
	if p := req.Privileges; p != nil {
		rtc.Privileges = &service.RTCPrivileges{
			JoinChannel:  p.JoinChannel,
			PublishAudio: p.PublishAudio,
			PublishVideo: p.PublishVideo,
			PublishData:  p.PublishData,
		}
	}
	b := service.Bundle{RTC: &rtc, Expire: req.Expire, Version: req.Version}
	if req.RTM != nil {
		b.RTMUserID = req.RTM.UserID
	}
	return h.mintV1(c.Request.Context(), b)
}

type v1RTMRequest struct {
	UserID  string  `json:"userId" binding:"required,agora_user_id"`
	Expire  *uint64 `json:"expire"`
	Version string  `json:"version" binding:"omitempty,oneof=007 006"`
}

func (h *handlers) handleV1RTM(c *gin.Context) (any, error) {
	var req v1RTMRequest
	if err := bindStrictJSON(c, &req); err != nil {
		return nil, err
	}
	return h.mintV1(c.Request.Context(), service.Bundle{RTMUserID: req.UserID, Expire: req.Expire, Version: req.Version})
}

// v1ChatRequest asks for a user token when it names a user, else for an
// app token. Chat tokens exist as 007 only; version is accepted so that a
// client sending it everywhere hears why 006 will not do.
type v1ChatRequest struct {
	UserID  *string `json:"userId" binding:"omitnil,agora_user_id"`
	Expire  *uint64 `json:"expire"`
	Version string  `json:"version" binding:"omitempty,oneof=007"`
}

func (h *handlers) handleV1Chat(c *gin.Context) (any, error) {
	var req v1ChatRequest
	if err := bindStrictJSON(c, &req); err != nil {
		return nil, err
	}
	chat := service.Chat{App: true}
	if req.UserID != nil {
		chat = service.Chat{UserID: *req.UserID, User: true}
	}
	return h.mintV1(c.Request.Context(), service.Bundle{Chat: &chat, Expire: req.Expire, Version: req.Version})
}

// v1FPARequest asks for an FPA token; like Chat's, it exists as 007 only.
type v1FPARequest struct {
	Expire  *uint64 `json:"expire"`
	Version string  `json:"version" binding:"omitempty,oneof=007"`
}

func (h *handlers) handleV1FPA(c *gin.Context) (any, error) {
	var req v1FPARequest
	if err := bindStrictJSON(c, &req); err != nil {
		return nil, err
	}
	return h.mintV1(c.Request.Context(), service.Bundle{FPA: true, Expire: req.Expire, Version: req.Version})
}

// v1APaaSRequest asks for an APaaS token with one of the privileges
// Agora's builders grant. Which other fields each privilege takes is the
// service's rule.
type v1APaaSRequest struct {
	Privilege string  `json:"privilege" binding:"required,oneof=roomUser user app"`
	RoomUUID  string  `json:"roomUuid" binding:"omitempty,agora_channel"`
	UserUUID  string  `json:"userUuid" binding:"omitempty,agora_user_id"`
	Role      *int    `json:"role" binding:"omitnil,agora_apaas_role"`
	Expire    *uint64 `json:"expire"`
	Version   string  `json:"version" binding:"omitempty,oneof=007"`
}

func (h *handlers) handleV1APaaS(c *gin.Context) (any, error) {
	var req v1APaaSRequest
	if err := bindStrictJSON(c, &req); err != nil {
		return nil, err
	}
	a := service.APaaS{
		RoomUser: req.Privilege == "roomUser",
		User:     req.Privilege == "user",
		App:      req.Privilege == "app",
		RoomUUID: req.RoomUUID,
		UserUUID: req.UserUUID,
	}
	if req.Role != nil {
		role := int16(*req.Role) // one of Agora's roles, by the rule above
		a.Role = &role
	}
	return h.mintV1(c.Request.Context(), service.Bundle{APaaS: &a, Expire: req.Expire, Version: req.Version})
}

// mintV1 answers with the whole token: its value, times and grants.
func (h *handlers) mintV1(ctx context.Context, b service.Bundle) (any, error) {
	tokens, err := h.tokens.Issue(ctx, b)
	if err != nil {
		return nil, err
	}
	return tokens[0], nil
}

// v1InspectRequest names a token and, for a 006 token only, what it was
// issued for: a 006 token keeps just checksums of its channel and user,
// and its signature cannot be checked without them.
type v1InspectRequest struct {
	Token   string  `json:"token" binding:"required"`
	Channel string  `json:"channel"`
	UID     *uint32 `json:"uid"`
	Account *string `json:"account"`
	UserID  string  `json:"userId"`
}

func validateV1Inspect(sl validator.StructLevel) {
	req := sl.Current().Interface().(v1InspectRequest)
	if req.UID != nil && req.Account != nil {
		sl.ReportError(req.UID, "uid", "uid", "agora_uid_not_account", "")
	}
}

func (h *handlers) handleV1Inspect(c *gin.Context) (any, error) {
	var req v1InspectRequest
	if err := bindStrictJSON(c, &req); err != nil {
		return nil, err
	}
	who := service.Subject{Channel: req.Channel, UserID: req.UserID}
	switch {
	case req.Account != nil:
		who.Account = *req.Account
	case req.UID != nil:
		who.Account = service.UIDAccount(*req.UID)
	}
	return h.tokens.Inspect(req.Token, who)
}

package api

import (
	"time"

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

// v1RTCPrivileges is service.RTCPrivileges with the API's JSON names, so
// that one converts into the other.
type v1RTCPrivileges struct {
	JoinChannel  *uint64 `json:"joinChannel"`
	PublishAudio *uint64 `json:"publishAudio"`
	PublishVideo *uint64 `json:"publishVideo"`
	PublishData  *uint64 `json:"publishData"`
}

// v1RTMLogin logs an RTM user in with an RTC token, for the token's
// lifetime or, as Agora's buildTokenWithRtm2 allows, a shorter one.
type v1RTMLogin struct {
	UserID string  `json:"userId" binding:"required,agora_user_id"`
	Expire *uint64 `json:"expire"`
}

// validateV1RTC applies the rule that spans fields: exactly one of uid
// and account.
func validateV1RTC(sl validator.StructLevel) {
	req := sl.Current().Interface().(v1RTCRequest)
	if (req.UID == nil) == (req.Account == nil) {
		sl.ReportError(req.UID, "uid", "uid", "agora_uid_xor_account", "")
	}
}

// v1Account is the RTC user a /v1 request names by uid or by account, as
// the service takes it: the account, or the uid's decimal digits (uid 0
// as nothing).
func v1Account(uid *uint32, account *string) string {
	if account != nil {
		return *account
	}
	return service.UIDAccount(*uid)
}

func (r v1RTCRequest) bundle() service.Bundle {
	rtc := service.RTC{Channel: r.Channel, Account: v1Account(r.UID, r.Account), Role: roleOf(r.Role), Privileges: (*service.RTCPrivileges)(r.Privileges)}
	b := service.Bundle{RTC: &rtc, Expire: r.Expire, Version: r.Version}
	if r.RTM != nil {
		b.RTMUserID, b.RTMExpire = r.RTM.UserID, r.RTM.Expire
	}
	return b
}

// v1RTMRequest asks for an RTM login; with permissions, for the login
// with resource permissions, which Agora's RTM2 service carries.
type v1RTMRequest struct {
	UserID      string            `json:"userId" binding:"required,agora_user_id"`
	Permissions *v1RTMPermissions `json:"permissions"`
	Expire      *uint64           `json:"expire"`
	Version     string            `json:"version" binding:"omitempty,oneof=007 006"`
}

// v1RTMPermissions is service.RTMPermissions with the API's JSON names,
// so that one converts into the other. The service checks the names.
type v1RTMPermissions struct {
	MessageChannels *service.RTMResources `json:"messageChannels"`
	StreamChannels  *service.RTMResources `json:"streamChannels"`
	GroupChannels   *service.RTMResources `json:"groupChannels"`
	ServerGroups    *service.RTMResources `json:"serverGroups"`
	Users           *service.RTMResources `json:"users"`
}

func (r v1RTMRequest) bundle() service.Bundle {
	return service.Bundle{RTMUserID: r.UserID, RTMPermissions: (*service.RTMPermissions)(r.Permissions), Expire: r.Expire, Version: r.Version}
}

// v1AgentRequest asks for the token of an agent of Agora's
// Conversational AI Engine or of its real-time STT: the agent's uid or
// account in channel, and the RTM user it logs in as (by default, the
// same id as text). Such tokens exist as 007 only.
type v1AgentRequest struct {
	Channel         string  `json:"channel" binding:"required,agora_channel"`
	UID             *uint32 `json:"uid"`
	Account         *string `json:"account" binding:"omitnil,agora_account"`
	RTMUserID       *string `json:"rtmUserId" binding:"omitnil,agora_user_id"`
	Expire          *uint64 `json:"expire"`
	PrivilegeExpire *uint64 `json:"privilegeExpire"`
}

// validateV1Agent applies the rules that span fields: exactly one of uid
// and account, and an RTM user id that the account can stand for when
// rtmUserId is left out.
func validateV1Agent(sl validator.StructLevel) {
	req := sl.Current().Interface().(v1AgentRequest)
	switch {
	case (req.UID == nil) == (req.Account == nil):
		sl.ReportError(req.UID, "uid", "uid", "agora_uid_xor_account", "")
	case req.RTMUserID == nil && req.Account != nil && !service.ValidUserID(*req.Account):
		sl.ReportError(req.RTMUserID, "rtmUserId", "rtmUserId", "agora_rtm_user_of_account", "")
	}
}

func (r v1AgentRequest) bundle(agent service.Agent) service.Bundle {
	rtmUser := ""
	if r.RTMUserID != nil {
		rtmUser = *r.RTMUserID
	}
	b := service.AgentBundle(agent, r.Channel, v1Account(r.UID, r.Account), rtmUser)
	b.Expire, b.RTCPrivilegeExpire = r.Expire, r.PrivilegeExpire
	return b
}

func (r v1AgentRequest) convoAI() service.Bundle { return r.bundle(service.ConvoAI) }
func (r v1AgentRequest) stt() service.Bundle     { return r.bundle(service.STT) }

// v1ChatRequest asks for a user token when it names a user, else for an
// app token. Chat tokens exist as 007 only; version is accepted so that a
// client sending it everywhere hears why 006 will not do.
type v1ChatRequest struct {
	UserID  *string `json:"userId" binding:"omitnil,agora_user_id"`
	Expire  *uint64 `json:"expire"`
	Version string  `json:"version" binding:"omitempty,oneof=007"`
}

func (r v1ChatRequest) bundle() service.Bundle {
	chat := service.Chat{App: true}
	if r.UserID != nil {
		chat = service.Chat{UserID: *r.UserID, User: true}
	}
	return service.Bundle{Chat: &chat, Expire: r.Expire, Version: r.Version}
}

// v1FPARequest asks for an FPA token; like Chat's, it exists as 007 only.
type v1FPARequest struct {
	Expire  *uint64 `json:"expire"`
	Version string  `json:"version" binding:"omitempty,oneof=007"`
}

func (r v1FPARequest) bundle() service.Bundle {
	return service.Bundle{FPA: true, Expire: r.Expire, Version: r.Version}
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

func (r v1APaaSRequest) bundle() service.Bundle {
	a := service.APaaS{
		RoomUser: r.Privilege == "roomUser",
		User:     r.Privilege == "user",
		App:      r.Privilege == "app",
		RoomUUID: r.RoomUUID,
		UserUUID: r.UserUUID,
	}
	if r.Role != nil {
		role := int16(*r.Role) // one of Agora's roles, by the rule above
		a.Role = &role
	}
	return service.Bundle{APaaS: &a, Expire: r.Expire, Version: r.Version}
}

// v1Route is the handler of a /v1 token route: it reads the body strictly
// into a Req, and answers with the whole token of the bundle it asks for:
// its value, times and grants.
func v1Route[Req any](h *handlers, bundle func(Req) service.Bundle) handler {
	return func(c *gin.Context) (any, error) {
		var req Req
		if err := bindStrictJSON(c, &req); err != nil {
			return nil, err
		}
		tokens, err := h.tokens.Issue(c.Request.Context(), bundle(req))
		if err != nil {
			return nil, err
		}
		return tokens[0], nil
	}
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

func (r v1InspectRequest) user() (*uint32, *string) { return r.UID, r.Account }

// namesUser is a request that may name a user by uid or account.
type namesUser interface {
	user() (*uint32, *string)
}

// validateOneUser applies the rule of inspect and check: a uid or an
// account, not both.
func validateOneUser(sl validator.StructLevel) {
	uid, account := sl.Current().Interface().(namesUser).user()
	if uid != nil && account != nil {
		sl.ReportError(uid, "uid", "uid", "agora_uid_not_account", "")
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

// v1CheckRequest names a token and what the client will do with it:
// every field but the token is optional, and checks only what it names.
type v1CheckRequest struct {
	Token     string  `json:"token" binding:"required"`
	Channel   string  `json:"channel"`
	UID       *uint32 `json:"uid"`
	Account   *string `json:"account"`
	Role      string  `json:"role" binding:"omitempty,oneof=publisher subscriber"`
	RTMUserID string  `json:"rtmUserId"`
	At        string  `json:"at" binding:"omitempty,agora_time"`
}

func (r v1CheckRequest) user() (*uint32, *string) { return r.UID, r.Account }

func (r v1CheckRequest) intent() service.Intent {
	in := service.Intent{Channel: r.Channel, UID: r.UID, Account: r.Account, RTMUserID: r.RTMUserID}
	if r.Role != "" {
		in.Role = roleOf(r.Role)
	}
	// The rule agora_time has parsed it already.
	in.At, _ = time.Parse(time.RFC3339, r.At)
	return in
}

// handleV1Check answers 200 with a diagnosis for any token text: a token
// that will fail is the answer, not an error of the request.
func (h *handlers) handleV1Check(c *gin.Context) (any, error) {
	var req v1CheckRequest
	if err := bindStrictJSON(c, &req); err != nil {
		return nil, err
	}
	return h.tokens.Check(req.Token, req.intent())
}

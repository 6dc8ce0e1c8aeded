package api

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin/binding"
	"github.com/go-playground/validator/v10"

	"github.com/seed6ab08d10/agora-token-server/service"
)

var registerOnce sync.Once

// rule is one rule a request's field follows, by its tag in the struct:
// how to check it, and what a client is told who breaks it.
type rule struct {
	check validator.Func // nil for the validator's own rules and the /v1 rules across fields
	words func(validator.FieldError) string
}

// says words a rule with a fixed sentence.
func says(s string) func(validator.FieldError) string {
	return func(validator.FieldError) string { return s }
}

// rules is every tag the request structs use: the validator learns the
// checks from it, and the Errors middleware words a broken rule with it.
var rules = map[string]rule{
	"required": {words: says("is required")},
	"ne":       {words: func(fe validator.FieldError) string { return `must not be "` + fe.Param() + `"` }},
	"oneof": {words: func(fe validator.FieldError) string {
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	}},
	// max is used only as max=1, on the query keys a client may repeat.
	"max":                       {words: says("is given more than once")},
	"agora_channel":             {stringRule(service.ValidChannel), says(service.ChannelRule)},
	"agora_account":             {stringRule(service.ValidAccount), says(service.AccountRule)},
	"agora_user_id":             {stringRule(service.ValidUserID), says(service.UserIDRule)},
	"agora_uid_or_account":      {stringRule(validUIDOrAccount), says("must be a whole number from 0 to 4294967295, or " + accountBytes)},
	"agora_rtc_user":            {words: says("must be a whole number from 0 to 4294967295 for tokenType uid, or " + accountBytes + " for userAccount")},
	"agora_apaas_role":          {func(fl validator.FieldLevel) bool { return service.ValidAPaaSRole(fl.Field().Int()) }, says(service.APaaSRoleRule)},
	"agora_uid_xor_account":     {words: says("give exactly one of uid (a whole number from 0 to 4294967295) and account (a string)")},
	"agora_uid_not_account":     {words: says("give uid or account, not both")},
	"agora_time":                {stringRule(validTime), says("must be a time in RFC 3339 form, such as 2026-12-07T12:00:00Z")},
	"agora_rtm_user_of_account": {words: says("is required when account cannot serve as the RTM user id: an RTM user id " + service.UserIDRule)},
}

// accountBytes is the rule of an RTC user account, as part of a sentence.
var accountBytes = "1 to " + strconv.Itoa(service.MaxAccountBytes) + " bytes of Agora's account characters"

// ruleWords words a broken rule from the table, for the Errors middleware.
func ruleWords(fe validator.FieldError) string {
	if r, ok := rules[fe.Tag()]; ok {
		return r.words(fe)
	}
	return ""
}

// registerValidators teaches Gin's validator Agora's rules and to name
// fields as clients spell them. Gin keeps one validator for the process,
// so this runs once however many routers are built.
func registerValidators() {
	registerOnce.Do(func() {
		v := binding.Validator.Engine().(*validator.Validate)
		v.RegisterTagNameFunc(clientFieldName)
		for tag, r := range rules {
			if r.check == nil {
				continue
			}
			if err := v.RegisterValidation(tag, r.check); err != nil {
				panic(err)
			}
		}
		v.RegisterStructValidation(validateRTCPath, rtcPath{})
		v.RegisterStructValidation(validateV1RTC, v1RTCRequest{})
		v.RegisterStructValidation(validateOneUser, v1InspectRequest{}, v1CheckRequest{})
		v.RegisterStructValidation(validateV1Agent, v1AgentRequest{})
	})
}

// clientFieldName names a field by its json, uri or form tag, so that an
// error speaks of "channelName", not "Channel".
func clientFieldName(f reflect.StructField) string {
	for _, tag := range []string{"json", "uri", "form"} {
		if name, _, _ := strings.Cut(f.Tag.Get(tag), ","); name != "" && name != "-" {
			return name
		}
	}
	return f.Name
}

func stringRule(ok func(string) bool) validator.Func {
	return func(fl validator.FieldLevel) bool {
		return ok(fl.Field().String())
	}
}

// validTime reports whether s is a time as the /v1 API writes them.
func validTime(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

// validUIDOrAccount accepts what the community servers call a uid: a
// number is a numeric uid and must fit 32 bits; anything else is an
// account.
func validUIDOrAccount(s string) bool {
	if s != "" && strings.Trim(s, "0123456789") == "" {
		_, ok := service.ParseUID(s)
		return ok
	}
	return service.ValidAccount(s)
}

// validateRTCPath checks the uid of an RTC path by the rule its tokenType
// names: an account for userAccount, else a uid (empty: any uid). A rule
// on the struct, not a cross-field tag on the uid: that makes the
// validator look tokenType up by name on every request, a tenth of the
// validation's cost. The fields are read by index, since a path embedded
// in a request cannot be turned back into an rtcPath by reflection.
func validateRTCPath(sl validator.StructLevel) {
	p := sl.Current()
	uid, tokenType := p.Field(rtcPathUID).String(), p.Field(rtcPathTokenType).String()
	valid := false
	if tokenType == "userAccount" {
		valid = service.ValidAccount(uid)
	} else {
		_, valid = service.ParseUID(uid)
	}
	if !valid {
		sl.ReportError(uid, "uid", "UID", "agora_rtc_user", "")
	}
}

// The places of the fields validateRTCPath reads.
var rtcPathUID, rtcPathTokenType = fieldIndex[rtcPath]("UID"), fieldIndex[rtcPath]("TokenType")

// fieldIndex is the index of the field name of the struct T.
func fieldIndex[T any](name string) int {
	f, ok := reflect.TypeFor[T]().FieldByName(name)
	if !ok || len(f.Index) != 1 {
		panic("api: no field " + name)
	}
	return f.Index[0]
}

// validate checks each part by its rules, and reports every rule broken
// in any of them at once.
func validate(parts ...any) error {
	var all validator.ValidationErrors
	for _, p := range parts {
		var broken validator.ValidationErrors
		if err := binding.Validator.ValidateStruct(p); errors.As(err, &broken) {
			all = append(all, broken...)
		} else if err != nil {
			return err
		}
	}
	if len(all) > 0 {
		return all
	}
	return nil
}

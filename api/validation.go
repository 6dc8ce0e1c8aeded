package api

import (
	"errors"
	"reflect"
	"strings"
	"sync"

	"github.com/gin-gonic/gin/binding"
	"github.com/go-playground/validator/v10"

	"github.com/seed6ab08d10/agora-token-server/service"
)

var registerOnce sync.Once

// registerValidators teaches Gin's validator Agora's rules and to name
// fields as clients spell them. Gin keeps one validator for the process,
// so this runs once however many routers are built.
func registerValidators() {
	registerOnce.Do(func() {
		v, ok := binding.Validator.Engine().(*validator.Validate)
		if !ok {
			panic("api: Gin's validator is not go-playground/validator")
		}
		v.RegisterTagNameFunc(clientFieldName)
		must(v.RegisterValidation("agora_channel", stringRule(service.ValidChannel)))
		must(v.RegisterValidation("agora_account", stringRule(service.ValidAccount)))
		must(v.RegisterValidation("agora_user_id", stringRule(service.ValidUserID)))
		must(v.RegisterValidation("agora_uid_or_account", stringRule(validUIDOrAccount)))
		must(v.RegisterValidation("agora_rtc_user", validRTCUser))
		must(v.RegisterValidation("agora_rte_user", validRTEUser))
		must(v.RegisterValidation("agora_apaas_role", func(fl validator.FieldLevel) bool {
			return service.ValidAPaaSRole(fl.Field().Int())
		}))
		registerV1Validators(v)
	})
}

func must(err error) {
	if err != nil {
		panic(err)
	}
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

// validUIDOrAccount accepts what the community servers call a uid: a
// number is a numeric uid and must fit 32 bits; anything else is an
// account.
func validUIDOrAccount(s string) bool {
	if isDigits(s) {
		_, ok := service.ParseUID(s)
		return ok
	}
	return service.ValidAccount(s)
}

// validRTCUser checks a uid path segment against the tokenType named by
// the tag's parameter: a number for "uid", an account for "userAccount".
func validRTCUser(fl validator.FieldLevel) bool {
	kind, _, _, ok := fl.GetStructFieldOK2()
	if !ok {
		return false
	}
	s := fl.Field().String()
	if kind.String() == tokenTypeAccount {
		return service.ValidAccount(s)
	}
	_, valid := service.ParseUID(s)
	return valid
}

// validRTEUser holds when /rte names its RTM user in rtmUid, whose own
// rules follow it, or when the RTC user the RTM user then defaults to can
// be one: not any uid (0), and an RTM user id other than "0".
func validRTEUser(fl validator.FieldLevel) bool {
	if fl.Field().String() != "" {
		return true
	}
	req, ok := fl.Parent().Interface().(rteRequest)
	if !ok {
		return false
	}
	user := req.rtmUser()
	return user != "0" && service.ValidUserID(user)
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

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/seed6ab08d10/agora-token-server/config"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// runToken mints a token as POST /v1/tokens/{kind} would, and prints it.
func runToken(_ context.Context, args []string, e env) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintf(e.stdout, "Usage: %s token rtc|rtm|fpa|chat|apaas [flags]\n\n%s token KIND --help lists the flags of each kind.\n", Program, Program)
		return nil
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usageError("arguments", "token needs a kind: %s token rtc|rtm|fpa|chat|apaas|convoai|stt [flags]", Program)
	}
	kinds := map[string]func([]string, env) error{
		"rtc": tokenRTC, "rtm": tokenRTM, "fpa": tokenFPA, "chat": tokenChat, "apaas": tokenAPaaS,
		"convoai": func(args []string, e env) error { return tokenAgent(service.ConvoAI, args, e) },
		"stt":     func(args []string, e env) error { return tokenAgent(service.STT, args, e) },
	}
	run, known := kinds[args[0]]
	if !known {
		return usageError("arguments", "unknown token kind %q: want rtc, rtm, fpa, chat, apaas, convoai or stt", args[0])
	}
	return run(args[1:], e)
}

func tokenRTC(args []string, e env) error {
	f := newFlags("token rtc --channel NAME (--uid N | --account NAME) --role publisher|subscriber [flags]", e)
	channel := f.String("channel", "", "RTC channel name")
	uid := f.Uint32("uid", 0, "numeric user id; 0 lets any uid join")
	account := f.String("account", "", "user account, instead of --uid")
	role := f.String("role", "", "publisher or subscriber")
	expire := f.lifetime()
	join := f.Uint64("join-channel", 0, "join privilege lifetime in seconds, at most --expire (007 only)")
	audio := f.Uint64("publish-audio", 0, "publish audio privilege lifetime in seconds (007 only)")
	video := f.Uint64("publish-video", 0, "publish video privilege lifetime in seconds (007 only)")
	data := f.Uint64("publish-data", 0, "publish data privilege lifetime in seconds (007 only)")
	rtmUser := f.String("rtm-user-id", "", "also log this RTM user in, with the same token (007 only)")
	rtmExpire := f.Uint64("rtm-expire", 0, "RTM login lifetime in seconds, at most --expire (default the token's)")
	version := f.String("version", service.Version007, "token version: 007 or 006")
	tokens, err := f.parseAll(args, e)
	if err != nil {
		return err
	}

	r := service.RTC{Channel: *channel, Account: *account}
	switch {
	case f.Changed("uid") == f.Changed("account"):
		return usageError("--uid", "give exactly one of --uid and --account")
	case f.Changed("uid"):
		r.Account = service.UIDAccount(*uid)
	case *account == "":
		return usageError("--account", "must not be empty; for any uid give --uid 0")
	}
	var known bool
	if r.Role, known = service.RoleOf(*role); !known {
		return usageError("--role", "must be publisher or subscriber")
	}
	if f.Changed("join-channel") || f.Changed("publish-audio") || f.Changed("publish-video") || f.Changed("publish-data") {
		r.Privileges = &service.RTCPrivileges{
			JoinChannel:  optional(f, "join-channel", join),
			PublishAudio: optional(f, "publish-audio", audio),
			PublishVideo: optional(f, "publish-video", video),
			PublishData:  optional(f, "publish-data", data),
		}
	}
	if f.Changed("rtm-user-id") && *rtmUser == "" {
		return usageError("--rtm-user-id", "must not be empty")
	}
	if f.Changed("rtm-expire") && *rtmUser == "" {
		return usageError("--rtm-expire", "needs --rtm-user-id")
	}
	b := service.Bundle{RTC: &r, RTMUserID: *rtmUser, RTMExpire: optional(f, "rtm-expire", rtmExpire), Version: *version}
	return mint(tokens, f, b, expire, e, map[string]string{
		"channel":                 "--channel",
		"uid":                     "--account",
		"role":                    "--role",
		"privileges":              "--join-channel, --publish-audio, --publish-video, --publish-data",
		"privileges.joinChannel":  "--join-channel",
		"privileges.publishAudio": "--publish-audio",
		"privileges.publishVideo": "--publish-video",
		"privileges.publishData":  "--publish-data",
		"rtm":                     "--rtm-user-id",
		"userId":                  "--rtm-user-id",
		"rtm.expire":              "--rtm-expire",
	})
}

func tokenRTM(args []string, e env) error {
	f := newFlags("token rtm --user-id ID [--read KIND=NAME]... [--write KIND=NAME]... [flags]", e)
	user := f.String("user-id", "", "RTM user id")
	kinds := strings.Join(service.RTMResourceKinds(), ", ")
	read := f.StringArray("read", nil, "let the user read the resource NAME of KIND ("+kinds+"); repeat for more (007 only)")
	write := f.StringArray("write", nil, "let the user write the resource NAME of KIND; repeat for more (007 only)")
	expire := f.lifetime()
	version := f.String("version", service.Version007, "token version: 007 or 006")
	tokens, err := f.parseAll(args, e)
	if err != nil {
		return err
	}
	if *user == "" {
		return usageError("--user-id", "is required")
	}
	b := service.Bundle{RTMUserID: *user, Version: *version}
	flagOf := map[string]string{"userId": "--user-id", "permissions": "--read, --write"}
	for _, list := range []struct {
		flag  string
		write bool
		given []string
	}{{"--read", false, *read}, {"--write", true, *write}} {
		for _, kindName := range list.given {
			kind, name, _ := strings.Cut(kindName, "=")
			if b.RTMPermissions == nil {
				b.RTMPermissions = new(service.RTMPermissions)
			}
			if !b.RTMPermissions.Add(kind, list.write, name) {
				return usageError(list.flag, "takes KIND=NAME with KIND one of %s, not %q", kinds, kindName)
			}
			flagOf["permissions."+kind+"."+strings.TrimPrefix(list.flag, "--")] = list.flag
		}
	}
	return mint(tokens, f, b, expire, e, flagOf)
}

// tokenAgent mints the token of an agent of Agora's Conversational AI
// Engine or of its real-time STT, as POST /v1/tokens/convoai and stt do.
func tokenAgent(agent service.Agent, args []string, e env) error {
	kind := map[service.Agent]string{service.ConvoAI: "convoai", service.STT: "stt"}[agent]
	f := newFlags("token "+kind+" --channel NAME (--uid N | --account NAME) [--rtm-user-id ID] [flags]", e)
	channel := f.String("channel", "", "RTC channel the agent joins")
	uid := f.Uint32("uid", 0, "the agent's numeric uid; 0 for any")
	account := f.String("account", "", "the agent's user account, instead of --uid")
	rtmUser := f.String("rtm-user-id", "", "RTM user the agent logs in as (default the agent's uid or account)")
	privilegeExpire := f.Uint64("privilege-expire", 0, "RTC privilege lifetime in seconds, at most --expire (default the token's)")
	expire := f.lifetime()
	tokens, err := f.parseAll(args, e)
	if err != nil {
		return err
	}
	var user string
	switch {
	case f.Changed("uid") == f.Changed("account"):
		return usageError("--uid", "give exactly one of --uid and --account")
	case f.Changed("uid"):
		user = service.UIDAccount(*uid)
	case *account == "":
		return usageError("--account", "must not be empty; for any uid give --uid 0")
	default:
		user = *account
	}
	switch {
	case f.Changed("rtm-user-id") && *rtmUser == "":
		return usageError("--rtm-user-id", "must not be empty")
	case *rtmUser == "" && user != "" && !service.ValidUserID(user):
		return usageError("--rtm-user-id", "is required when --account cannot serve as the RTM user id: an RTM user id %s", service.UserIDRule)
	}
	b := service.AgentBundle(agent, *channel, user, *rtmUser)
	b.RTCPrivilegeExpire = optional(f, "privilege-expire", privilegeExpire)
	return mint(tokens, f, b, expire, e, map[string]string{
		"channel":         "--channel",
		"uid":             "--uid or --account",
		"userId":          "--rtm-user-id",
		"privilegeExpire": "--privilege-expire",
	})
}

func tokenChat(args []string, e env) error {
	f := newFlags("token chat [--user-id ID] [flags]", e)
	user := f.String("user-id", "", "Chat user id for a user token; without it, an app token")
	expire := f.lifetime()
	tokens, err := f.parseAll(args, e)
	if err != nil {
		return err
	}
	chat := service.Chat{App: true}
	if f.Changed("user-id") {
		chat = service.Chat{UserID: *user, User: true}
	}
	return mint(tokens, f, service.Bundle{Chat: &chat}, expire, e, map[string]string{"userId": "--user-id"})
}

func tokenFPA(args []string, e env) error {
	f := newFlags("token fpa [flags]", e)
	expire := f.lifetime()
	tokens, err := f.parseAll(args, e)
	if err != nil {
		return err
	}
	return mint(tokens, f, service.Bundle{FPA: true}, expire, e, map[string]string{})
}

func tokenAPaaS(args []string, e env) error {
	f := newFlags("token apaas --privilege roomUser|user|app [--room-uuid ID] [--user-uuid ID] [--role N] [flags]", e)
	privilege := f.String("privilege", "", "roomUser (with --room-uuid, --user-uuid and --role), user (with --user-uuid) or app")
	room := f.String("room-uuid", "", "the room, for roomUser")
	user := f.String("user-uuid", "", "the user, for roomUser and user")
	role := f.Int16("role", 0, "the user's role in the room, for roomUser: 0 invisible, 1 teacher, 2 student, 3 assistant, 4 observer")
	expire := f.lifetime()
	tokens, err := f.parseAll(args, e)
	if err != nil {
		return err
	}
	a := service.APaaS{RoomUUID: *room, UserUUID: *user, Role: optional(f, "role", role)}
	switch *privilege {
	case "roomUser":
		a.RoomUser = true
	case "user":
		a.User = true
	case "app":
		a.App = true
	default:
		return usageError("--privilege", "must be roomUser, user or app")
	}
	for _, name := range []string{"room-uuid", "user-uuid"} {
		if f.Changed(name) && f.Lookup(name).Value.String() == "" {
			return usageError("--"+name, "must not be empty")
		}
	}
	return mint(tokens, f, service.Bundle{APaaS: &a}, expire, e, map[string]string{
		"privilege": "--privilege",
		"roomUuid":  "--room-uuid",
		"userUuid":  "--user-uuid",
		"role":      "--role",
	})
}

// parseAll adds --json, the last flag of every token command, parses
// the command's flags, which take no arguments, and builds the service
// from the configuration.
func (f flags) parseAll(args []string, e env) (*service.Tokens, error) {
	f.Bool("json", false, "print the whole answer as JSON, as the /v1 API answers")
	if _, err := f.parse(args, 0, e); err != nil {
		return nil, err
	}
	return f.tokens(e)
}

// lifetime declares --expire, which every token command takes, in its
// place among the command's flags.
func (f flags) lifetime() *uint64 {
	return f.Uint64("expire", 0, "token lifetime in seconds (default DEFAULT_EXPIRY)")
}

// mint signs b with the lifetime from --expire, if the server's policy
// allows it, and prints the token. The service names fields as the API
// does; flagOf renames them as flags, so that a complaint about a field
// is a usage error about the flag that set it.
func mint(tokens *service.Tokens, f flags, b service.Bundle, expire *uint64, e env, flagOf map[string]string) error {
	flagOf["expire"], flagOf["version"] = "--expire", "--version"
	b.Expire = optional(f, "expire", expire)
	// The one at the terminal holds no identity token: the server's own
	// rules are the ones that apply.
	minted, err := tokens.Issue(context.Background(), b)
	if se, ok := errors.AsType[*service.Error](err); ok && se.Kind == service.Invalid {
		return &config.Error{Key: cmp.Or(flagOf[se.Field], "arguments"), Rule: se.Message}
	}
	if err != nil {
		return err
	}
	if asJSON, _ := f.GetBool("json"); asJSON {
		return printJSON(e.stdout, minted[0])
	}
	_, err = fmt.Fprintln(e.stdout, minted[0].Value)
	return err
}

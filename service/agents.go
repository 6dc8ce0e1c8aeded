package service

import "cmp"

// Agent names the Agora service an agent's token opens besides RTC and
// RTM; 0 is none.
type Agent uint8

// The agents Agora's builders make tokens for.
const (
	// ConvoAI is an agent of Agora's Conversational AI Engine: its REST
	// API takes the token as the agent's properties.token, and as
	// "Authorization: agora token=...".
	ConvoAI Agent = iota + 1
	// STT is Agora's real-time speech to text, which joins a channel as
	// a user of its own to transcribe it.
	STT
)

// AgentBundle is the token Agora's ConvoAITokenBuilder and
// SttTokenBuilder build for an agent: an RTC publisher grant in channel
// for the agent's account (the decimal uid, "" for uid 0), an RTM login
// for rtmUserID, and the agent's own service. An empty rtmUserID logs in
// the agent's id as text: its account, or "0" for uid 0.
func AgentBundle(agent Agent, channel, account, rtmUserID string) Bundle {
	return Bundle{
		RTC:       &RTC{Channel: channel, Account: account, Role: Publisher},
		RTMUserID: cmp.Or(rtmUserID, account, "0"),
		Agent:     agent,
	}
}

package service

// Shortcuts to one kind of token, for the tests that mint one at a time.

// rtcToken mints a token to join an RTC channel for expire seconds.
func (t *Tokens) rtcToken(r RTC, expire uint32) (Token, error) {
	return t.sign(Bundle{RTC: &r, Expire: expire})
}

// rtmToken mints a token for an RTM user to log in for expire seconds.
func (t *Tokens) rtmToken(userID string, expire uint32) (Token, error) {
	return t.sign(Bundle{RTMUserID: userID, Expire: expire})
}

// chatToken mints a Chat token: a user token for userID, or an app token
// when userID is empty.
func (t *Tokens) chatToken(userID string, expire uint32) (Token, error) {
	c := Chat{UserID: userID, User: userID != "", App: userID == ""}
	return t.sign(Bundle{Chat: &c, Expire: expire})
}

package service

// Shortcuts for the tests that mint one token at a time.

// signed mints b as Issue does, short of the policy: the tests of
// Agora's formats and rules leave who may ask to policy_test.go.
func (t *Tokens) signed(b Bundle) (Token, error) {
	l, err := t.lifetimes(b)
	if err != nil {
		return Token{}, err
	}
	return t.sign(b, l, true)
}

// rtcToken mints a token to join an RTC channel for expire seconds.
func (t *Tokens) rtcToken(r RTC, expire uint32) (Token, error) {
	return t.signed(Bundle{RTC: &r, Expire: u64(uint64(expire))})
}

// rtmToken mints a token for an RTM user to log in for expire seconds.
func (t *Tokens) rtmToken(userID string, expire uint32) (Token, error) {
	return t.signed(Bundle{RTMUserID: userID, Expire: u64(uint64(expire))})
}

// chatToken mints a Chat token: a user token for userID, or an app token
// when userID is empty.
func (t *Tokens) chatToken(userID string, expire uint32) (Token, error) {
	c := Chat{UserID: userID, User: userID != "", App: userID == ""}
	return t.signed(Bundle{Chat: &c, Expire: u64(uint64(expire))})
}

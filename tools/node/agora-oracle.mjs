// agora-oracle.mjs puts tokens through Agora's own npm package, so that
// the Go tests compare what the server signs with what Agora's code
// builds and reads. It reads one JSON array of jobs on standard input and
// writes one JSON array of answers, in the same order, on standard output.
//
// A job is one of:
//
//	{"op": "decode", "token": "007...", "certificate": "..."}
//	    -> {"ok": true, "appId", "issueTs", "expire", "salt",
//	        "signatureValid", "services": [{"type", "privileges": {id: expire},
//	        "fields": {name: value}}]}
//	    Every field a service class keeps is reported by its own name
//	    (channel_name, uid, account, user_id, permissions, ...), strings
//	    as text, RTM2 permissions as {kind: {permission: [names]}}.
//	{"op": "build", "builder": NAME, "issueTs", "salt", "appId",
//	 "certificate", ...the builder's own arguments}
//	    -> {"token": "007..."}, built by the named builder of the package
//	    with the given issue time and salt in place of the clock's and a
//	    random one.
//	{"op": "call", "builder": "RtcTokenBuilder.buildTokenWithUid", "args": [...]}
//	    -> {"token": "..."}, built by calling that class and method of the
//	    package with args, on the real clock, as an app would; the 006
//	    builders go by RtcTokenBuilder006 and RtmTokenBuilder006.
//
// Builders: convoai and stt (channel, account, tokenExpire, privilegeExpire,
// rtmUserId, rtmExpire), rtcWithRtm2 (the same, and role), rtm (userId,
// expire), rtmPermissions (userId, expire, permissions as
// {kind: {permission: [names]}}), and services (expire, services as
// [{type, privileges: {id: expire}, channel, account, userId, roomUuid,
// userUuid, role, permissions}]), which builds any services with
// AccessToken2 itself.
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'

const require = createRequire(import.meta.url)
const at2 = require('agora-token/src/AccessToken2.js')
const { ConvoAITokenBuilder } = require('agora-token/src/ConvoAITokenBuilder.js')
const { SttTokenBuilder } = require('agora-token/src/SttTokenBuilder.js')
const { RtmTokenBuilder } = require('agora-token/src/RtmTokenBuilder2.js')
const { RtcTokenBuilder, Role } = require('agora-token/src/RtcTokenBuilder2.js')

const { AccessToken2, Rtm2Permissions } = at2

// classes are the builders a call job may name.
const classes = {
    RtcTokenBuilder,
    RtmTokenBuilder,
    RtcTokenBuilder006: require('agora-token/src/RtcTokenBuilder.js').RtcTokenBuilder,
    RtmTokenBuilder006: require('agora-token/src/RtmTokenBuilder.js').RtmTokenBuilder,
}

// withClock runs build with every token built taking issueTs and salt:
// the builders read the clock and draw a salt themselves.
function withClock(issueTs, salt, build) {
    const original = AccessToken2.prototype.build
    AccessToken2.prototype.build = function () {
        this.issueTs = issueTs
        this.salt = salt
        return original.call(this)
    }
    try {
        return build()
    } finally {
        AccessToken2.prototype.build = original
    }
}

function permissionsOf(spec) {
    const p = new Rtm2Permissions()
    for (const [kind, perms] of Object.entries(spec || {})) {
        for (const [perm, names] of Object.entries(perms)) {
            p.add(Number(kind), Number(perm), names)
        }
    }
    return p
}

// serviceOf makes one service of AccessToken2 from its description.
function serviceOf(s) {
    let service
    switch (s.type) {
        case at2.kRtcServiceType: service = new at2.ServiceRtc(s.channel, s.account); break
        case at2.kRtmServiceType: service = new at2.ServiceRtm(s.userId); break
        case at2.kStreamingServiceType: service = new at2.ServiceStreaming(s.channel, s.account); break
        case at2.kFpaServiceType: service = new at2.ServiceFpa(); break
        case at2.kChatServiceType: service = new at2.ServiceChat(s.userId); break
        case at2.kFCdnServiceType: service = new at2.ServiceFCdn(s.channel, s.account); break
        case at2.kApaasServiceType: service = new at2.ServiceApaas(s.roomUuid, s.userUuid, s.role); break
        case at2.kRtm2ServiceType: service = new at2.ServiceRtm2(s.userId, permissionsOf(s.permissions)); break
        case at2.kConvoAIServiceType: service = new at2.ServiceConvoAI(); break
        case at2.kSttServiceType: service = new at2.ServiceStt(); break
        default: throw new Error(`no service type ${s.type} here`)
    }
    for (const [id, expire] of Object.entries(s.privileges || {})) {
        service.add_privilege(Number(id), expire)
    }
    return service
}

const builders = {
    convoai: j => ConvoAITokenBuilder.buildToken(j.appId, j.certificate, j.channel, j.account, Role.PUBLISHER,
        j.tokenExpire, j.privilegeExpire, j.privilegeExpire, j.privilegeExpire, j.privilegeExpire, j.rtmUserId, j.rtmExpire),
    stt: j => SttTokenBuilder.buildToken(j.appId, j.certificate, j.channel, j.account, Role.PUBLISHER,
        j.tokenExpire, j.privilegeExpire, j.privilegeExpire, j.privilegeExpire, j.privilegeExpire, j.rtmUserId, j.rtmExpire),
    rtcWithRtm2: j => RtcTokenBuilder.buildTokenWithRtm2(j.appId, j.certificate, j.channel, j.account,
        j.role === 'publisher' ? Role.PUBLISHER : Role.SUBSCRIBER,
        j.tokenExpire, j.privilegeExpire, j.privilegeExpire, j.privilegeExpire, j.privilegeExpire, j.rtmUserId, j.rtmExpire),
    rtm: j => RtmTokenBuilder.buildToken(j.appId, j.certificate, j.userId, j.expire),
    rtmPermissions: j => RtmTokenBuilder.buildTokenWithPermissions(j.appId, j.certificate, j.userId,
        permissionsOf(j.permissions), j.expire),
    services: j => {
        const token = new AccessToken2(j.appId, j.certificate, j.issueTs, j.expire)
        for (const s of j.services) {
            token.add_service(serviceOf(s))
        }
        return token.build()
    },
}

// fieldsOf reports every field a parsed service keeps, by its own name.
function fieldsOf(service) {
    const fields = {}
    for (const [key, value] of Object.entries(service)) {
        if (key === '__type' || key === '__privileges') {
            continue
        }
        const name = key.replace(/^__/, '')
        if (Buffer.isBuffer(value)) {
            fields[name] = value.toString('utf8')
        } else if (value instanceof Rtm2Permissions) {
            fields[name] = value.details
        } else {
            fields[name] = value
        }
    }
    return fields
}

function decode(j) {
    const token = new AccessToken2()
    if (!token.from_string(j.token)) {
        return { ok: false }
    }
    return {
        ok: true,
        appId: token.appId.toString(),
        issueTs: token.issueTs,
        expire: token.expire,
        salt: token.salt,
        signatureValid: token.verifySignature(j.certificate),
        services: token.services.map(s => ({
            type: s.service_type(),
            privileges: s.__privileges,
            fields: fieldsOf(s),
        })),
    }
}

function run(j) {
    switch (j.op) {
        case 'decode':
            return decode(j)
        case 'build': {
            const build = builders[j.builder]
            if (!build) {
                throw new Error(`no builder ${j.builder}`)
            }
            return { token: withClock(j.issueTs, j.salt, () => build(j)) }
        }
        case 'call': {
            const [cls, method] = j.builder.split('.')
            const build = classes[cls]?.[method]
            if (typeof build !== 'function') {
                throw new Error(`no builder ${j.builder}`)
            }
            return { token: build.apply(classes[cls], j.args) }
        }
    }
    throw new Error(`no op ${j.op}`)
}

const jobs = JSON.parse(readFileSync(0, 'utf8'))
process.stdout.write(JSON.stringify(jobs.map(run)))

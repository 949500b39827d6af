import Foundation
import ScritorioCore

/// The confirmation and recovery mails: a 6-digit code and a link to `/auth/v1/verify`, as GoTrue sends.
enum MailTemplates {
    static func link(baseURL: String, tokenHash: String, type: String, redirectTo: String) -> String {
        guard var components = URLComponents(string: baseURL + "/auth/v1/verify") else { return baseURL }
        components.queryItems = [
            URLQueryItem(name: "token", value: tokenHash), URLQueryItem(name: "type", value: type),
            URLQueryItem(name: "redirect_to", value: redirectTo),
        ]
        return components.string ?? baseURL
    }

    static func confirmation(to email: String, code: String, tokenHash: String, link: String) -> MailMessage {
        MailMessage(
            to: email, subject: "Confirm your signup",
            text: """
                Confirm your email address to finish creating your account.

                Follow this link to confirm: \(link)

                Or enter this code: \(code)

                If you did not sign up, ignore this mail.
                """,
            kind: .signup, code: code, tokenHash: tokenHash, link: link)
    }

    static func recovery(to email: String, code: String, tokenHash: String, link: String) -> MailMessage {
        MailMessage(
            to: email, subject: "Reset your password",
            text: """
                Someone asked to reset the password of your account.

                Follow this link to reset it: \(link)

                Or enter this code: \(code)

                If it was not you, ignore this mail; your password stays as it is.
                """,
            kind: .recovery, code: code, tokenHash: tokenHash, link: link)
    }
}

extension MailTemplates {
    static func magicLink(to email: String, code: String, tokenHash: String, link: String) -> MailMessage {
        MailMessage(
            to: email, subject: "Your sign-in link",
            text: """
                Follow this link to sign in: \(link)

                Or enter this code: \(code)

                If you did not ask to sign in, ignore this mail.
                """,
            kind: .magiclink, code: code, tokenHash: tokenHash, link: link)
    }

    static func invite(to email: String, code: String, tokenHash: String, link: String) -> MailMessage {
        MailMessage(
            to: email, subject: "You have been invited",
            text: """
                You have been invited to create an account.

                Follow this link to accept: \(link)

                Or enter this code: \(code)
                """,
            kind: .invite, code: code, tokenHash: tokenHash, link: link)
    }

    /// One of the two mails of an email change: to the new address, or (secure change) to the current one.
    static func emailChange(to address: String, newEmail: String, code: String, tokenHash: String, link: String) -> MailMessage {
        MailMessage(
            to: address, subject: "Confirm your new email address",
            text: """
                Someone asked to change the email address of your account to \(newEmail).

                Follow this link to confirm: \(link)

                Or enter this code: \(code)

                If it was not you, ignore this mail; the address stays as it is.
                """,
            kind: .emailChange, code: code, tokenHash: tokenHash, link: link)
    }

    static func reauthentication(to email: String, code: String) -> MailMessage {
        MailMessage(
            to: email, subject: "\(code) is your verification code",
            text: """
                Enter this code to confirm it is you: \(code)

                If you did not ask for it, someone may know your password; change it.
                """,
            kind: .reauthentication, code: code, tokenHash: nil, link: nil)
    }
}

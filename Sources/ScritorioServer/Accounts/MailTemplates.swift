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

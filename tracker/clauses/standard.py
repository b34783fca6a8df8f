"""The standard clauses the library starts with: one or more per category of the catalogue."""
ALL = "mou,intergovernmental,joint_use,data_sharing,commitment_letter"
MOU = "mou,intergovernmental,joint_use"
DATA = "mou,data_sharing,intergovernmental"

# (category, title, body, default_kinds)
CLAUSES = [
    ("parties", "Parties and recitals",
     "This Memorandum of Understanding (\"{{ agreement.title }}\") is made between {{ parties.library.name }}, "
     "{{ parties.library.address }} (the \"Library\"), and {{ parties.school.name }}, {{ parties.school.address }} "
     "(the \"District\"). The parties share a commitment to literacy and to equitable access to library resources "
     "for every student, and enter into the {{ terms.programme_name }} so that students hold a public library "
     "account. The programme costs the District nothing unless this agreement says otherwise.", ALL),
    ("purpose", "Purpose and scope",
     "The programme covers {{ schools }}, grades {{ terms.grades }}. Its purpose: {{ agreement.purpose }}", ALL),
    ("term", "Term and renewal",
     "This agreement takes effect on {{ agreement.effective_date }} and runs until {{ agreement.end_date }} "
     "({{ agreement.term }}). Renewal: {{ agreement.renewal }}; a renewal runs for {{ agreement.renewal_months }} "
     "months. Either party may propose changes each year during {{ agreement.modification_window }}.", MOU + ",data_sharing"),
    ("termination", "Termination on notice",
     "Either party may end this agreement by written notice to the other at least {{ agreement.notice_days }} days "
     "in advance. On termination the Library closes the student accounts created under the programme that have "
     "not been activated by a parent, and destroys the student data received, as the retention clause provides.", ALL),
    ("amendment", "Amendments in writing",
     "This agreement may be changed only by a written amendment signed by both parties. The Library may add "
     "circulation rules as an exhibit by giving the District {{ terms.rule_notice_days }} days' written notice.", MOU + ",data_sharing"),
    ("card_programme", "Student accounts",
     "Each student receives a {{ terms.card_model }}, using the student id as the account number; no physical card "
     "is required. Students may borrow up to {{ terms.checkout_limit }} items and place up to {{ terms.hold_limit }} "
     "holds at a time. Accounts are {{ terms.fines }}; existing fines on a student's earlier account are waived for a "
     "fresh start. Accounts expire on {{ terms.expiry_rule }}.", "mou,intergovernmental"),
    ("consent", "Family consent and opt-out",
     "Families are informed by a letter in the registration packet; the consent model is {{ terms.consent_model }}. "
     "The District sends each opt-out to the Library within {{ terms.opt_out_days }} days, and the Library removes "
     "or never creates that student's account.", "mou,data_sharing,intergovernmental"),
    ("privacy", "Student data and privacy",
     "The District shares only these fields: {{ terms.shared_fields }}. Legal basis: {{ terms.legal_basis }}. The "
     "Library uses the data only to run the programme: no advertising, no resale and no disclosure to anyone else. "
     "Requests from third parties are referred to the District. Subprocessors ({{ terms.subprocessors }}) are bound "
     "in writing to the same terms. The Library reports any breach to {{ terms.breach_contact }} without delay.", DATA),
    ("data_transfer", "Data transfer",
     "Student data moves by {{ terms.transfer_method }}, {{ terms.transfer_frequency }}. The Library de-duplicates "
     "the file against its existing patrons, and the District leaves out students whose families blocked directory "
     "information.", DATA),
    ("retention", "Retention and destruction",
     "The Library deletes the student data received under this agreement no later than {{ terms.retention_days }} "
     "days after the end of the programme or of the term, whichever comes first, and certifies the destruction to "
     "the District in writing.", DATA),
    ("resource_sharing", "Shared resources",
     "The Library delivers requested materials to schools within {{ terms.delivery_days }} days, offers teacher sets "
     "and educator cards with longer loans and higher limits, and gives students access to its databases through "
     "their accounts.", "mou,joint_use,commitment_letter"),
    ("responsibilities", "Responsibilities of each party",
     "The Library processes accounts, trains school librarians, visits schools and provides information for "
     "parents, and keeps student information confidential. The District names a data contact, includes the "
     "programme letter in the registration packet, and tells the Library before the shared fields change.", ALL),
    ("costs", "Costs",
     "Costs: {{ terms.costs }}. Contributions in kind are recorded by each party and reported yearly.", "mou,joint_use,intergovernmental"),
    ("reporting", "Reporting and metrics",
     "Each {{ terms.report_month }} the Library reports the accounts issued, the share of enrolment they represent, "
     "the accounts used at least once, and checkouts by school; the District shares the results of its survey of "
     "school librarians.", "mou,intergovernmental,commitment_letter"),
    ("signatures", "Signatures",
     "Each party's signatory below confirms that they are authorised to sign for {{ parties.names }}. Where a board "
     "or council approval is required, its date and resolution number are recorded with the signatures.", ALL),
]

"""The standard clauses the library starts with: one or more per category of the catalogue.

Written for every shape of partnership: the library side is a library system or a single branch ("the
Library"); the school side is one school ("the School"), several named schools ("the Schools") or a whole
district ("the District"). The school side's duties use "shall", which reads right in the singular and the
plural. A value that may be absent (an end date, a renewal, a modification window, an address) is asked
about with {% if %}, so no clause prints a gap or a placeholder.
"""
ALL = "mou,intergovernmental,joint_use,data_sharing,commitment_letter"
MOU = "mou,intergovernmental,joint_use"
DATA = "mou,data_sharing,intergovernmental"

PARTIES = (
    "This agreement, \"{{ agreement.title }}\", is made between {{ library.name }}"
    "{% if library.system %}, a branch of {{ library.system }}{% endif %}"
    "{% if library.address %}, {{ library.address }}{% endif %} (the \"{{ library.defined }}\"), and "
    "{% if school.shape == \"schools\" %}the following schools: "
    "{% for s in schools %}{{ s.name }}{% if s.address %}, {{ s.address }}{% endif %}{% if not loop.last %}; {% endif %}"
    "{% endfor %} (together, the \"Schools\")"
    "{% else %}{{ school.name }}{% if school.address %}, {{ school.address }}{% endif %} (the \"{{ school.defined }}\")"
    "{% endif %}. The parties share a commitment to literacy and to equitable access to library resources for every "
    "student, and enter into the {{ terms.programme_name }} so that students hold a public library account. The "
    "programme costs {{ school.term }} nothing unless this agreement says otherwise."
)
PURPOSE = (
    "The programme covers "
    "{% if school.shape == \"district\" %}the schools of the District{% if school.count %} "
    "({{ schools }}){% endif %}{% elif school.shape == \"schools\" %}each of the Schools{% else %}the School{% endif %}, "
    "grades {{ grades }}. Its purpose: {{ agreement.purpose }}"
)
TERM = (
    "This agreement takes effect on {{ agreement.effective_date }}"
    "{% if agreement.end_date %} and runs until {{ agreement.end_date }}{% endif %}"
    "{% if agreement.term_kind == \"pilot\" %}, as a pilot{% elif agreement.term_kind == \"ongoing\" %}"
    "{% if not agreement.end_date %} and continues until either party ends it"
    "{% if \"termination\" in document.clauses %} as the termination clause provides{% endif %}{% endif %}"
    "{% endif %}. "
    "{% if agreement.renewal_kind == \"automatic\" %}It renews automatically for further periods of "
    "{{ agreement.renewal_months }} months unless either party gives notice of termination"
    "{% if \"termination\" in document.clauses %} as the termination clause provides{% endif %}."
    "{% elif agreement.renewal_kind == \"mutual\" %}It may be renewed"
    "{% if agreement.renewal_months %} for further periods of {{ agreement.renewal_months }} months{% endif %} "
    "by a written agreement of both parties made before it ends."
    "{% else %}It does not renew; continuing the programme afterwards requires a new agreement.{% endif %}"
    "{% if agreement.modification_window %} Either party may propose changes each year during "
    "{{ agreement.modification_window }}.{% endif %}"
)
CLAUSES = [
    ("parties", "Parties and recitals", PARTIES, ALL),
    ("purpose", "Purpose and scope", PURPOSE, ALL),
    ("term", "Term and renewal", TERM, MOU + ",data_sharing"),
    ("termination", "Termination on notice",
     "Either party may end this agreement by written notice to the other at least {{ agreement.notice_days }} days "
     "in advance. On termination the {{ library.defined }} shall close the student accounts created under the "
     "programme that have not been activated by a parent, and shall destroy the student data received"
     "{% if \"retention\" in document.clauses %}, as the retention clause provides{% endif %}.", ALL),
    ("amendment", "Amendments in writing",
     "This agreement may be changed only by a written amendment signed by both parties. The {{ library.defined }} "
     "may add circulation rules as an exhibit by giving {{ school.term }} {{ terms.rule_notice_days }} days' written "
     "notice.", MOU + ",data_sharing"),
    ("card_programme", "Student accounts",
     "Each student receives a {{ terms.card_model }}, using the student id as the account number; no physical card "
     "is required. Students may borrow up to {{ terms.checkout_limit }} items and place up to {{ terms.hold_limit }} "
     "holds at a time. Accounts are {{ terms.fines }}; existing fines on a student's earlier account are waived for a "
     "fresh start. Accounts expire on {{ terms.expiry_rule }}.", "mou,intergovernmental"),
    ("consent", "Family consent and opt-out",
     "Families are informed by a letter in the registration packet; the consent model is {{ terms.consent_model }}. "
     "The {{ school.defined }} shall send each opt-out to the {{ library.defined }} within {{ terms.opt_out_days }} "
     "days, and the {{ library.defined }} shall remove, or never create, that student's account.",
     "mou,data_sharing,intergovernmental"),
    ("privacy", "Student data and privacy",
     "The {{ school.defined }} shall share only these fields: {{ terms.shared_fields }}. Legal basis: "
     "{{ terms.legal_basis }}. The {{ library.defined }} uses the data only to run the programme: no advertising, no "
     "resale and no disclosure to anyone else. Requests from third parties are referred to {{ school.term }}. "
     "Subprocessors ({{ terms.subprocessors }}) are bound in writing to the same terms. The {{ library.defined }} "
     "reports any breach to {{ terms.breach_contact }} without delay.", DATA),
    ("data_transfer", "Data transfer",
     "Student data moves by {{ terms.transfer_method }}, {{ terms.transfer_frequency }}. The {{ library.defined }} "
     "de-duplicates the file against its existing patrons, and the {{ school.defined }} shall leave out students "
     "whose families blocked directory information.", DATA),
    ("retention", "Retention and destruction",
     "The {{ library.defined }} deletes the student data received under this agreement no later than "
     "{{ terms.retention_days }} days after the end of the programme or of the term, whichever comes first, and "
     "certifies the destruction to {{ school.term }} in writing.", DATA),
    ("resource_sharing", "Shared resources",
     "The {{ library.defined }} delivers requested materials to "
     "{% if school.shape == \"school\" %}the School{% else %}each school{% endif %} within "
     "{{ terms.delivery_days }} days, offers teacher sets and educator cards with longer loans and higher limits, "
     "and gives students access to its databases through their accounts.", "mou,joint_use,commitment_letter"),
    ("responsibilities", "Responsibilities of each party",
     "The {{ library.defined }} processes accounts, trains school librarians, visits "
     "{% if school.shape == \"school\" %}the School{% else %}the schools{% endif %}, provides information for "
     "parents, and keeps student information confidential. The {{ school.defined }} shall name a data contact, "
     "include the programme letter in the registration packet, and tell the {{ library.defined }} before the shared "
     "fields change.", ALL),
    ("costs", "Costs",
     "Costs: {{ terms.costs }}. Contributions in kind are recorded by each party and reported yearly.",
     "mou,joint_use,intergovernmental"),
    ("reporting", "Reporting and metrics",
     "Each {{ terms.report_month }} the {{ library.defined }} reports the accounts issued, the share of enrolment "
     "they represent, the accounts used at least once, and checkouts by school; the {{ school.defined }} shall share "
     "the results of a yearly survey of school librarians.", "mou,intergovernmental,commitment_letter"),
    ("signatures", "Signatures",
     "Each signatory below confirms that they are authorised to sign for the party named with their signature "
     "({{ parties.names }}). Where a board or council approval is required, its date and resolution number are "
     "recorded with the signatures.", ALL),
]

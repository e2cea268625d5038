@case_cancel @envelope
Feature: Answers travel in the documented envelope, and requests as real clients send them are understood

  An XML answer starts with an XML declaration and has the root response with exactly one of params and
  fault/code; a JSON answer is {"params": {}} or {"fault": {"code": <number>}}. Codes are in the 1xxx
  range. Every answer of this suite is checked against the schemas in schemas/ whatever the scenario;
  these scenarios say it once in words.

  @source:doc @req:ENV-XML @req:ENV-JSON @req:HTTP-STATUS @req:HTTP-CONTENT-TYPE @assumed
  Scenario Outline: A success travels with HTTP 200 in the encoding of the call (<encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding>
    Then the cancel succeeds
    And the answer travels with HTTP 200 and the Content-Type of <encoding>

    @xml
    Examples: XML
      | encoding |
      | XML      |

    @json
    Examples: JSON
      | encoding |
      | JSON     |

  @source:doc @req:ENV-XML @req:ENV-JSON @req:ENV-CODE-RANGE @req:HTTP-STATUS @req:HTTP-CONTENT-TYPE @assumed
  Scenario Outline: A fault travels with HTTP 200, its code in the body (<code>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case NOOP without error
    And port 5 does not exist
    When the WMS sends case_cancel in <encoding> with port_id <port_id> and bin_id <bin_id>
    Then the controller answers with fault <code>
    And the answer travels with HTTP 200 and the Content-Type of <encoding>

    @xml
    Examples: XML
      | code | port_id | bin_id | encoding |
      | 1003 | missing | 101337 | XML      |
      | 1004 | 2001    | 101337 | XML      |
      | 1010 | 4       | 0      | XML      |
      | 1000 | 5       | 101337 | XML      |
      | 1152 | 4       | 101337 | XML      |

    @json
    Examples: JSON
      | code | port_id | bin_id | encoding |
      | 1003 | missing | 101337 | JSON     |
      | 1004 | 2001    | 101337 | JSON     |
      | 1010 | 4       | 0      | JSON     |
      | 1000 | 5       | 101337 | JSON     |
      | 1152 | 4       | 101337 | JSON     |

  @source:doc @req:ENV-XML @req:ENV-JSON @req:ENV-CODE-RANGE @req:HTTP-STATUS @req:HTTP-CONTENT-TYPE @assumed
  Scenario Outline: A fault about the port travels with HTTP 200 as well, its code in the body (<code>, <encoding>)
    Given port 4 is a <type> port, <mode>, with <selection> and its case <case_state> <case_error>
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding>
    Then the controller answers with fault <code>
    And the answer travels with HTTP 200 and the Content-Type of <encoding>

    @xml
    Examples: XML
      | code | type | mode   | selection           | case_state | case_error    | encoding |
      | 1087 | CO   | OPEN   | bin 101337 selected | ERSO       | in error      | XML      |
      | 1099 | AC   | CLOSED | bin 101337 selected | ERSO       | in error      | XML      |
      | 1149 | AC   | OPEN   | bin 6001 selected   | ERSO       | in error      | XML      |
      | 1153 | AC   | OPEN   | bin 101337 selected | ERSO       | without error | XML      |

    @json
    Examples: JSON
      | code | type | mode   | selection           | case_state | case_error    | encoding |
      | 1087 | CO   | OPEN   | bin 101337 selected | ERSO       | in error      | JSON     |
      | 1099 | AC   | CLOSED | bin 101337 selected | ERSO       | in error      | JSON     |
      | 1149 | AC   | OPEN   | bin 6001 selected   | ERSO       | in error      | JSON     |
      | 1153 | AC   | OPEN   | bin 101337 selected | ERSO       | without error | JSON     |

  @source:doc @req:REQ-FORMS
  Scenario Outline: A call as real clients send it is answered the same (<form>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO in error
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding> sent <form>
    Then the cancel succeeds
    And the answer travels with HTTP 200 and the Content-Type of <encoding>

    @xml
    Examples: XML
      | form                                 | encoding |
      | as the vendor sample                 | XML      |
      | as text/xml                          | XML      |
      | as text/plain; charset=utf-8         | XML      |
      | with standalone="yes"                | XML      |
      | without whitespace                   | XML      |
      | with an ISO-8859-1 declaration       | XML      |
      | with bin_id before port_id           | XML      |
      | in ISO-8859-1 with a note past ASCII | XML      |

    @json
    Examples: JSON
      | form                                 | encoding |
      | as application/json; charset=utf-8   | JSON     |
      | without whitespace                   | JSON     |
      | with bin_id before port_id           | JSON     |

  @source:doc @req:REQ-FORMS
  Scenario Outline: A fault to a call as real clients send it is the same fault (<form>, <encoding>)
    Given port 4 is an AC port, OPEN, with bin 101337 selected and its case ERSO without error
    When the WMS cancels the case operation of bin 101337 on port 4 in <encoding> sent <form>
    Then the controller answers with fault 1153
    And port 4 is unchanged

    @xml
    Examples: XML
      | form                                 | encoding |
      | as text/plain; charset=utf-8         | XML      |
      | with standalone="yes"                | XML      |
      | without whitespace                   | XML      |
      | in ISO-8859-1 with a note past ASCII | XML      |

    @json
    Examples: JSON
      | form                                 | encoding |
      | with bin_id before port_id           | JSON     |

; Tsunagu's additions to electron-builder's NSIS installer: registering the app as a handler for
; call links (tel:, callto:, sip:, sips:, tsunagu:) the way Windows "Default apps" expects.
;
; How electron-builder uses this file: it includes it (nsis.include, or installer.nsh in the
; build resources folder by default) into both the installer and the uninstaller script, before
; its own templates. installSection.nsh inserts customInstall at the end of the install section,
; after the app files, shortcuts and the uninstall entry are in place; uninstaller.nsh inserts
; customUnInstall at the start of the uninstall section, before the files are removed. Both
; run with SHELL_CONTEXT set by the install mode (HKCU for "just me", HKLM for "all users").
;
; Why the installer and not app.setAsDefaultProtocolClient at run time: since Windows 8 an app
; cannot make itself the default for a scheme; it can only declare that it is able to handle it
; (Capabilities + RegisteredApplications) so that the user can pick it in Settings > Apps >
; Default apps, or in the "How do you want to open this?" prompt. Those declarations belong
; with the installation, and must go away with it.
;
; Every key and value written here is removed by customUnInstall (a test in
; tests/unit/packaging/installer-nsh.test.ts pairs them up).

; Our ProgIDs are "Tsunagu.Url.<scheme>": a ProgID per scheme, so Default apps can list and
; the user can choose Tsunagu per scheme (e.g. Tsunagu for tel: but another app for sip:).
!define TSUNAGU_PROGID_PREFIX "Tsunagu.Url."
!define TSUNAGU_CAPABILITIES "Software\Tsunagu\Capabilities"

; The command Windows runs for a link. The "--" ends Chromium/Electron switch parsing, so a
; crafted link such as `tel:--gpu-launcher=...` can never be read as a command-line switch
; (CVE-2018-1000006); the link is always the one argument after it. "%1" is quoted so a link
; with spaces stays one argument. $INSTDIR\${APP_EXECUTABLE_FILENAME} is the installed
; Tsunagu.exe (electron-builder defines APP_EXECUTABLE_FILENAME as ${PRODUCT_FILENAME}.exe).
!macro tsunaguOpenCommand KEY
  WriteRegStr SHELL_CONTEXT "${KEY}\shell\open\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" -- "%1"'
!macroend

; One ProgID per scheme, and the line in Capabilities that points the scheme at it. We do NOT
; write Software\Classes\<scheme> for tel/callto/sip/sips: those keys belong to whichever app
; the user (or Windows) set up, and overwriting them would hijack links from Teams, Zoom or the
; system dialer and leave them broken when we are uninstalled.
!macro tsunaguRegisterScheme SCHEME
  ; The name Default apps shows for the ProgID.
  WriteRegStr SHELL_CONTEXT "Software\Classes\${TSUNAGU_PROGID_PREFIX}${SCHEME}" "" "Tsunagu ${SCHEME}: link"
  WriteRegStr SHELL_CONTEXT "Software\Classes\${TSUNAGU_PROGID_PREFIX}${SCHEME}\DefaultIcon" "" "$INSTDIR\${APP_EXECUTABLE_FILENAME},0"
  !insertmacro tsunaguOpenCommand "Software\Classes\${TSUNAGU_PROGID_PREFIX}${SCHEME}"
  ; "Tsunagu can open <scheme>: links, with this ProgID."
  WriteRegStr SHELL_CONTEXT "${TSUNAGU_CAPABILITIES}\URLAssociations" "${SCHEME}" "${TSUNAGU_PROGID_PREFIX}${SCHEME}"
!macroend

!macro tsunaguUnregisterScheme SCHEME
  DeleteRegKey SHELL_CONTEXT "Software\Classes\${TSUNAGU_PROGID_PREFIX}${SCHEME}"
!macroend

!macro customInstall
  ; Application capabilities: who we are, as Default apps shows it.
  WriteRegStr SHELL_CONTEXT "${TSUNAGU_CAPABILITIES}" "ApplicationName" "${PRODUCT_NAME}"
  WriteRegStr SHELL_CONTEXT "${TSUNAGU_CAPABILITIES}" "ApplicationDescription" "Softphone for cloud PBX / クラウド PBX 用ソフトフォン"

  !insertmacro tsunaguRegisterScheme "tel"
  !insertmacro tsunaguRegisterScheme "callto"
  !insertmacro tsunaguRegisterScheme "sip"
  !insertmacro tsunaguRegisterScheme "sips"
  !insertmacro tsunaguRegisterScheme "tsunagu"

  ; Without this entry Windows never reads the Capabilities key above.
  WriteRegStr SHELL_CONTEXT "Software\RegisteredApplications" "Tsunagu" "${TSUNAGU_CAPABILITIES}"

  ; tsunagu: is our own scheme, so no other app can claim it and no user choice is needed:
  ; register it directly so links work right after installing. "URL Protocol" marks the key
  ; as a URL scheme rather than a file type.
  WriteRegStr SHELL_CONTEXT "Software\Classes\tsunagu" "" "URL:Tsunagu call link"
  WriteRegStr SHELL_CONTEXT "Software\Classes\tsunagu" "URL Protocol" ""
  WriteRegStr SHELL_CONTEXT "Software\Classes\tsunagu\DefaultIcon" "" "$INSTDIR\${APP_EXECUTABLE_FILENAME},0"
  !insertmacro tsunaguOpenCommand "Software\Classes\tsunagu"

  ; Tell Explorer and Default apps that associations changed (SHCNE_ASSOCCHANGED), so the new
  ; handler is offered without a sign-out.
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
!macroend

!macro customUnInstall
  ; An update runs the old uninstaller first (with --updated) and then installs the new version,
  ; which writes all of this again. Removing it in between could make Windows notice that the
  ; ProgID behind the user's choice of Tsunagu for tel: is gone and reset that choice ("An app
  ; default was reset"), so a real uninstall only.
  ${ifNot} ${isUpdated}
    DeleteRegValue SHELL_CONTEXT "Software\RegisteredApplications" "Tsunagu"
    ; Capabilities (with its URLAssociations), then our vendor key if nothing else is left in it.
    DeleteRegKey SHELL_CONTEXT "${TSUNAGU_CAPABILITIES}"
    DeleteRegKey /ifempty SHELL_CONTEXT "Software\Tsunagu"

    !insertmacro tsunaguUnregisterScheme "tel"
    !insertmacro tsunaguUnregisterScheme "callto"
    !insertmacro tsunaguUnregisterScheme "sip"
    !insertmacro tsunaguUnregisterScheme "sips"
    !insertmacro tsunaguUnregisterScheme "tsunagu"

    ; Our own scheme's key, with its DefaultIcon and shell\open\command.
    DeleteRegKey SHELL_CONTEXT "Software\Classes\tsunagu"

    System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
  ${endIf}
!macroend
